/** Why a profile could not be taken; the CLI prints the message as one line. */
export class ProfileError extends Error {
  override readonly name: string = 'ProfileError';
}

/** No attempt ran inside the window: there is nothing to divide by, so no footprint to suggest. */
export class NothingRanError extends ProfileError {
  override readonly name = 'NothingRanError';
  constructor(
    readonly agent: string,
    readonly outcomes: { succeeded: number; failed: number },
  ) {
    super(
      `no run of "${agent}" was running during the measurement (succeeded ${outcomes.succeeded}, failed ${outcomes.failed}): ` +
        'check the agent and its --input',
    );
  }
}

export class RedisServerMissingError extends ProfileError {
  override readonly name = 'RedisServerMissingError';
}
