import { z } from 'zod';

/**
 * A contact's link into the team's CRM: an `http:` or `https:` URL, nothing else. 3CX shows it
 * to agents as a clickable link and Zaps pass it on, so a `javascript:` or `data:` URL would
 * run in whoever clicks it. The same rule for Update Call Record and the CRM template's
 * create-contact (bridge/http/routes/threecxTemplateRoutes.ts); store migration 5 applies it
 * to what was stored before.
 */
export const contactUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000);
