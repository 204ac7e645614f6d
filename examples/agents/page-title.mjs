// A module agent: run(input, ctx) in the worker's own process. It passes ctx.signal to fetch, so a
// cancel, a timeout or a Spot interruption stops it at once.
export async function run(input, ctx) {
  if (typeof input?.url !== 'string') {
    throw Object.assign(new Error('input.url: must be a string'), { type: 'invalid_input', retryable: false });
  }
  ctx.log(`fetching ${input.url}`, { attempt: ctx.attempt });
  const response = await fetch(input.url, { signal: ctx.signal });
  if (!response.ok) {
    // 4xx will not get better by retrying; 5xx might.
    throw Object.assign(new Error(`${input.url} answered ${response.status}`), { type: 'http_error', retryable: response.status >= 500 });
  }
  const html = await response.text();
  ctx.progress({ bytes: html.length });
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim() ?? null;
  return { url: input.url, title };
}
