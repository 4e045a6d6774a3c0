import { z } from 'zod';

/** The `error` of a refused or failed request, and of a failed job. */
export const apiErrorSchema = z
  .object({
    code: z.string().describe('API error code: VALIDATION_ERROR, NOT_FOUND, CONFLICT, INTERNAL_ERROR, …'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional().describe('Particulars, such as `issues[]` naming each bad field'),
  })
  .meta({ id: 'Error' });
