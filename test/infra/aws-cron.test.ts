import test from 'ava';
import { CronExpressionError, toFiveFieldCron } from '../../environments/cron.js';

test('the brief\'s AWS schedules become the five-field form the ASG and croner read', (t) => {
  t.is(toFiveFieldCron('cron(0 13 ? * MON-FRI *)'), '0 13 * * MON-FRI');
  t.is(toFiveFieldCron('cron(0 3 ? * * *)'), '0 3 * * *');
  t.is(toFiveFieldCron('cron(30 8 1 * ? *)'), '30 8 1 * *');
  t.is(toFiveFieldCron('cron(0/15 9-17 ? JUL-AUG WED,SAT *)'), '0/15 9-17 * JUL-AUG WED,SAT');
});

test('numbered weekdays shift from AWS\'s Sunday=1 to the five-field Sunday=0', (t) => {
  t.is(toFiveFieldCron('cron(0 9 ? * 2-6 *)'), '0 9 * * 1-5');
  t.is(toFiveFieldCron('cron(0 9 ? * 1,7 *)'), '0 9 * * 0,6');
});

const refused: [string, RegExp][] = [
  ['0 13 * * MON-FRI', /not an AWS cron expression/],
  ['cron(0 13 ? * MON-FRI)', /has 5 fields/],
  ['cron(0 13 * * MON-FRI *)', /exactly one of day-of-month and day-of-week/],
  ['cron(0 13 ? * ? *)', /exactly one of day-of-month and day-of-week/],
  ['cron(0 13 L * ? *)', /"L" .* no five-field equivalent/],
  ['cron(0 13 15W * ? *)', /"15W" .* no five-field equivalent/],
  ['cron(0 13 ? * 6#3 *)', /"6#3" .* no five-field equivalent/],
  ['cron(0 13 ? * MON 2030)', /year/],
  ['cron(? 13 1 * ? *)', /only in day-of-month or day-of-week/],
  ['cron(0 9 ? * 8 *)', /outside AWS's 1-7/],
];

for (const [expression, reason] of refused) {
  test(`"${expression}" is refused rather than silently changed`, (t) => {
    const error = t.throws(() => toFiveFieldCron(expression), { instanceOf: CronExpressionError });
    t.regex(error?.message ?? '', reason);
  });
}
