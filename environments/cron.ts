/**
 * Pre-warm schedules are written once, in the AWS form the brief uses (`cron(0 13 ? * MON-FRI *)`).
 * Two consumers need the classic five-field form instead: the ASG scheduled action's `recurrence`
 * (evaluated in UTC via its `time_zone`) and croner in the scaler. This converts, and rejects what
 * the five-field form cannot say (`L`, `W`, `#`, a fixed year) instead of silently changing meaning.
 */

export class CronExpressionError extends Error {
  override readonly name = 'CronExpressionError';
}

const AWS_CRON = /^cron\((.+)\)$/;
const NAME = /^(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)$/i;

/** Numbers, month and weekday names, `*` and `?`, joined by `,` `-` `/`: the part both forms share. */
function checkField(expression: string, field: string): void {
  for (const token of field.split(/[,\-/]/)) {
    if (token === '*' || token === '?' || /^\d+$/.test(token) || NAME.test(token)) continue;
    throw new CronExpressionError(`"${expression}": "${token}" (L, W, # and the like) has no five-field equivalent`);
  }
}

/** AWS numbers weekdays 1–7 from Sunday; the five-field form numbers them 0–6 from Sunday. */
function shiftWeekdayNumbers(field: string): string {
  return field.replace(/\d+/g, (digits) => {
    const day = Number(digits);
    if (day < 1 || day > 7) throw new CronExpressionError(`day-of-week ${digits} is outside AWS's 1-7`);
    return String(day - 1);
  });
}

/** `cron(0 13 ? * MON-FRI *)` → `0 13 * * MON-FRI` (minute hour day-of-month month day-of-week, UTC). */
export function toFiveFieldCron(awsExpression: string): string {
  const body = AWS_CRON.exec(awsExpression.trim())?.[1];
  if (!body) throw new CronExpressionError(`"${awsExpression}" is not an AWS cron expression: expected cron(m h dom mon dow year)`);
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new CronExpressionError(`"${awsExpression}" has ${fields.length} fields, AWS cron has 6`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  for (const field of fields) checkField(awsExpression, field);
  if (year !== '*') throw new CronExpressionError(`"${awsExpression}": a year other than * cannot recur`);
  if ([minute, hour, month].some((field) => field.includes('?'))) {
    throw new CronExpressionError(`"${awsExpression}": ? is allowed only in day-of-month or day-of-week`);
  }
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new CronExpressionError(`"${awsExpression}": exactly one of day-of-month and day-of-week must be ?`);
  }
  const unixDayOfMonth = dayOfMonth === '?' ? '*' : dayOfMonth;
  const unixDayOfWeek = dayOfWeek === '?' ? '*' : shiftWeekdayNumbers(dayOfWeek);
  return [minute, hour, unixDayOfMonth, month, unixDayOfWeek].join(' ');
}
