import type { AwsContext } from '../lib/aws-context.js';

/** What CI's permissions are scoped to: one environment's resources, state and tags. */
export interface PermissionScope {
  aws: AwsContext;
  /** Prefix of every resource name in the environment, e.g. `agentfleet-prod`. */
  prefix: string;
  /** Prefix of the environment's log groups, e.g. `/agentfleet/prod/`. */
  logGroupPrefix: string;
  stateBucket: string;
  stateKey: string;
  /** Tags the fleet stack's provider puts on every resource (`default_tags`): what makes a resource this environment's. */
  ownTags: Record<string, string>;
  /** The permissions boundary every role the apply role creates or changes must carry. */
  workloadBoundaryArn: string;
}
