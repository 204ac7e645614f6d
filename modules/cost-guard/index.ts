import { Construct } from 'constructs';
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget/index.js';

export interface CostGuardProps {
  name: string;
  monthlyBudgetUsd: number;
  /** Notify at these percentages of the budget, on actual and on forecast spend. */
  alertAtPercent: number[];
  /** Alert when Savings Plans cover less than this share of eligible spend; absent: no coverage budget. */
  savingsPlansCoverageTargetPercent?: number;
  /** Cost allocation tag (`key` and `value`) that marks this environment's spend; it must be activated in Billing. */
  costAllocationTag: { key: string; value: string };
  topicArn: string;
  accountId: string;
}

/**
 * Money alarms: a monthly cost budget for the environment's tagged spend, notifying on actual and
 * forecast spend, and a Savings Plans coverage budget that warns when the always-on baseline stops
 * being covered by the commitment (e.g. after the On-Demand pool changed instance families).
 */
export class CostGuard extends Construct {
  constructor(scope: Construct, id: string, props: CostGuardProps) {
    super(scope, id);
    new BudgetsBudget(this, 'monthly-cost', {
      accountId: props.accountId,
      name: `${props.name}-monthly-cost`,
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitAmount: props.monthlyBudgetUsd.toFixed(2),
      limitUnit: 'USD',
      costFilter: [{ name: 'TagKeyValue', values: [`user:${props.costAllocationTag.key}$${props.costAllocationTag.value}`] }],
      notification: props.alertAtPercent.flatMap((threshold) =>
        (['ACTUAL', 'FORECASTED'] as const).map((notificationType) => ({
          comparisonOperator: 'GREATER_THAN',
          notificationType,
          threshold,
          thresholdType: 'PERCENTAGE',
          subscriberSnsTopicArns: [props.topicArn],
        })),
      ),
    });
    if (props.savingsPlansCoverageTargetPercent !== undefined) {
      new BudgetsBudget(this, 'savings-plans-coverage', {
        accountId: props.accountId,
        name: `${props.name}-savings-plans-coverage`,
        budgetType: 'SAVINGS_PLANS_COVERAGE',
        timeUnit: 'MONTHLY',
        limitAmount: '100',
        limitUnit: 'PERCENTAGE',
        notification: [
          {
            comparisonOperator: 'LESS_THAN',
            notificationType: 'ACTUAL',
            threshold: props.savingsPlansCoverageTargetPercent,
            thresholdType: 'PERCENTAGE',
            subscriberSnsTopicArns: [props.topicArn],
          },
        ],
      });
    }
  }
}
