import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { GraphnasError } from '../../errors/index.js';

/**
 * Operations per principal (an API key, an OIDC subject, or the one local or anonymous
 * caller) in a fixed window, counted by rate-limiter-flexible in this process: each
 * replica counts its own share.
 */
export class PrincipalRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(
    private readonly operations: number,
    private readonly windowSeconds: number,
  ) {
    this.limiter = new RateLimiterMemory({ points: operations, duration: windowSeconds, keyPrefix: 'operations' });
  }

  /** Counts one operation; RATE_LIMITED, with the seconds until the window reopens, when the principal is over. */
  async take(principalId: string): Promise<void> {
    try {
      await this.limiter.consume(principalId);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new GraphnasError('RATE_LIMITED', `more than ${this.operations} operations in ${this.windowSeconds} s from this caller; retry in ${retryAfterSeconds} s`, {
        details: { retryAfterSeconds },
        retryable: true,
      });
    }
  }
}
