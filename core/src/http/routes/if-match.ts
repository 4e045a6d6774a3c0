import type { Context } from 'koa';
import { parseIfMatch } from '../../plans/plan-hash.js';

export const IF_MATCH_DESCRIPTION =
  'Takes `dry_run`. With `If-Match: "<plan_hash>"` of a dry run of the same request, 412 PRECONDITION_FAILED at once ' +
  'when the installed set or the package index moved since; the job plans again under the package-manager lock and ' +
  'fails PLAN_CHANGED, changing nothing, when the plan differs.';

/** The plan_hash an If-Match header names, or null without one. */
export function ifMatchOf(ctx: Context): string | null {
  return parseIfMatch(ctx.get('If-Match') || undefined);
}
