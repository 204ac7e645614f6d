// Empty, error and sign-in states: each says what happened and what to do next.
import { ApiError, session } from './api.js';
import { h } from './dom.js';

const code = (text) => h('code', {}, text);

/** What an error means for an operator, as a short paragraph; 401 is handled by the caller. */
export function explain(error) {
  if (!(error instanceof ApiError)) return h('p', {}, `Something went wrong in the console: ${error.message}. Reload the page.`);
  const detail = error.problem?.detail;
  if (error.status === 0) {
    return h('p', {}, `Cannot reach the API at ${location.origin}. Check that it is running (`, code('make dev'), ' or ', code('agentfleet api'), '); this page keeps retrying.');
  }
  if (error.status === 503) {
    return h(
      'p',
      {},
      `A service the API needs is down${detail ? ` (${detail})` : ''}. If it is Redis, check it with `,
      code('redis-cli -u $REDIS_URL ping'),
      ' and start it (',
      code('make dev'),
      ' starts one when none answers); this page keeps retrying.',
    );
  }
  if (error.status === 404) return h('p', {}, 'Not found for your API key: the run may belong to another tenant, or have expired after its retention.');
  if (error.status === 429) return h('p', {}, 'Too many requests for this key; the page retries shortly.');
  return h('p', {}, `The API answered ${error.status}: ${detail ?? error.message}.`);
}

/** A banner over a view whose last refresh failed (the data below it may be stale). */
export function errorBanner(error) {
  return h('div', { class: 'banner error', role: 'alert' }, h('strong', {}, error.status ? `Error ${error.status}` : 'Offline'), explain(error));
}

export function emptyState(title, ...body) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), h('p', {}, ...body));
}

export function unauthorizedPage(root) {
  session.clear();
  root.replaceChildren(
    h(
      'section',
      { class: 'card narrow', 'aria-labelledby': 'unauthorized-title' },
      h('h1', { id: 'unauthorized-title' }, '401 · API key refused'),
      h(
        'p',
        {},
        'The API did not accept this key. It may be mistyped, revoked, or from another deployment. Create one with ',
        code('agentfleet keys create --tenant NAME'),
        ', or use the dev key that ',
        code('make dev'),
        ' printed.',
      ),
      h('p', {}, h('a', { class: 'button', href: '#/signin' }, 'Sign in with another key')),
    ),
  );
}

export function signInPage(root, onSignedIn) {
  const input = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { class: 'muted small' }, 'The key stays in this browser tab (sessionStorage) and is sent only to this API, as a bearer header.'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    session.set(input.value.trim());
    onSignedIn();
  });
  root.replaceChildren(form);
  input.focus();
}
