import type { AwsContext } from './aws-context.js';
import type { PolicyStatement } from './iam.js';

/**
 * How an agentfleet process runs in a container, shared by EC2 workers (user data), the Fargate burst
 * workers, the API and the scaler: one image, a subcommand (`worker`, `api`, `scaler`), plain
 * environment variables and secrets read from Secrets Manager at start.
 */
export interface ContainerSpec {
  image: string;
  /** The ECR repository the image comes from (pull permission is scoped to it). */
  imageRepositoryArn: string;
  /** Arguments after the image's entrypoint, e.g. `['worker']`. */
  command: string[];
  environment: Record<string, string>;
  /** Environment variable name → Secrets Manager secret ARN whose string value it receives. */
  secrets: Record<string, string>;
  logGroupName: string;
  logGroupArn: string;
}

/** What whoever starts the container needs: pull the image, write its logs, read its secrets. */
export function containerLaunchStatements(spec: ContainerSpec): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    // GetAuthorizationToken has no resource-level permissions: AWS only accepts "*" for it.
    { sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
    {
      sid: 'PullImage',
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [spec.imageRepositoryArn],
    },
    { sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${spec.logGroupArn}:log-stream:*`] },
  ];
  const secretArns = Object.values(spec.secrets);
  if (secretArns.length > 0) statements.push({ sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secretArns });
  return statements;
}

export interface ContainerDefinitionOptions {
  name: string;
  aws: AwsContext;
  /** Extra variables for this container only (e.g. WORKER_POOL). */
  environment?: Record<string, string>;
  portMappings?: { containerPort: number }[];
  /** Seconds between SIGTERM and SIGKILL (Fargate allows at most 120). */
  stopTimeout?: number;
  /** Run as this user instead of the image's, with these of Docker's default capabilities dropped. */
  user?: { name: string; dropCapabilities: string[] };
}

/** The ECS `containerDefinitions` JSON for one essential container. */
export function ecsContainerDefinitions(spec: ContainerSpec, options: ContainerDefinitionOptions): string {
  const environment = { ...spec.environment, ...options.environment };
  return JSON.stringify([
    {
      name: options.name,
      image: spec.image,
      essential: true,
      command: spec.command,
      environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
      secrets: Object.entries(spec.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
      portMappings: options.portMappings?.map((p) => ({ containerPort: p.containerPort, protocol: 'tcp' })) ?? [],
      ...(options.stopTimeout ? { stopTimeout: options.stopTimeout } : {}),
      ...(options.user ? { user: options.user.name } : {}),
      // An init as PID 1 reaps the zombies of command agents' descendants and forwards SIGTERM to node.
      linuxParameters: { initProcessEnabled: true, ...(options.user ? { capabilities: { drop: options.user.dropCapabilities } } : {}) },
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': spec.logGroupName,
          'awslogs-region': options.aws.region,
          'awslogs-stream-prefix': options.name,
        },
      },
    },
  ]);
}
