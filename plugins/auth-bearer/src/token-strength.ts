/** Shorter than this, or with fewer distinct characters, a token is weak. */
export const STRONG_TOKEN_MIN_LENGTH = 16;
const MIN_DISTINCT_CHARS = 8;

export const STRONG_TOKEN_HINT = "make one with `openssl rand -base64 32` (or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"`)";

/** Why a token is weak (short, or low variety like "aaaaaaaaaaaaaaaaaaaa"), or null. */
export function weakness(token: string): string | null {
  if (token.length < STRONG_TOKEN_MIN_LENGTH) return `shorter than ${STRONG_TOKEN_MIN_LENGTH} characters`;
  if (new Set(token).size < MIN_DISTINCT_CHARS) return `fewer than ${MIN_DISTINCT_CHARS} distinct characters`;
  return null;
}
