import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatODataDateTime } from '../odataTime';
import { collectionJson, JsonText } from '../odata/collectionJson';
import { answerCollection, answerEntity } from '../odata/collectionQuery';
import type { Row } from '../odata/rowValues';
import { parseFunctionSegment } from '../odata/functionCall';
import { badQuery, forbidden, notFound } from '../odata/odataError';
import { omitNulls } from '../odata/omitNulls';
import { e164Settings, systemStatus, SYSTEM_STATUS_PROPERTIES } from './pbxEntities';
import {
  bindReportArguments,
  GET_ABANDONED_QUEUE_CALLS,
  GET_CALL_LOG_DATA,
  GET_INBOUND_CALLS,
  type ReportFunction,
} from './reportFunctions';
import type { SimServices } from './simServices';
import {
  ABANDONED_QUEUE_CALL_PROPERTIES,
  ACTIVE_CALL_PROPERTIES,
  CALL_LOG_PROPERTIES,
  CALL_LOG_PROPERTIES_SINCE_20_0_6,
  E164_PROPERTIES,
  INBOUND_CALL_PROPERTIES,
  LAST_CDR_PROPERTIES,
  OFFICE_HOURS_PROPERTIES,
} from './xapiProperties';

/**
 * `GET /xapi/v1/…`: bearer token first (401), then the route (404), then the role (403),
 * then the function parameters (404 missing, 500 malformed) and the period (504), as the
 * facts sheet lists the codes (docs/3cx-facts.md §1.7 Errors).
 *
 * Roles (docs/3cx-facts.md §1.1): System Owner reads everything; System Admin reads configuration,
 * ActiveCalls and SystemStatus but gets 403 on the reports; any other role gets 403. A client
 * without "XAPI Access Enabled" gets a token (it may hold Call Control access) but 403 on the
 * XAPI [inf]: the token endpoint checks credentials, authorisation decides the rest.
 */
type Access = 'admin' | 'owner';

const ROLE_RANK: Record<string, number> = { system_owner: 2, system_admin: 1 };
const NEEDED_RANK: Record<Access, number> = { admin: 1, owner: 2 };

interface XapiRequest {
  segments: string[];
  query: URLSearchParams;
  metadata: string;
}

type Answer = (s: SimServices, r: XapiRequest) => unknown;

interface Route {
  access: Access;
  answer: Answer;
}

const SINGLE_SEGMENT_ROUTES: Record<string, Route> = {
  SystemStatus: {
    access: 'admin',
    answer: (s, r) =>
      answerEntity(
        systemStatus(s),
        r.query,
        `${r.metadata}#SystemStatus`,
        SYSTEM_STATUS_PROPERTIES,
      ),
  },
  E164Settings: {
    access: 'admin',
    answer: (s, r) =>
      answerEntity(e164Settings(s), r.query, `${r.metadata}#E164Settings`, E164_PROPERTIES),
  },
  OfficeHours: {
    access: 'admin',
    answer: (s, r) => {
      const expand = r.query.get('$expand');
      if (expand !== null && expand.trim() !== 'OfficeHolidays') {
        throw badQuery(`Could not find a navigation property named '${expand}'`, '$expand');
      }
      const entity = s.schedule.toEntity(expand !== null);
      return answerEntity(entity, r.query, `${r.metadata}#OfficeHours`, OFFICE_HOURS_PROPERTIES);
    },
  },
  ActiveCalls: {
    access: 'admin',
    answer: (s, r) =>
      answerCollection(
        s.pbx.activeCalls() as unknown as Row[],
        r.query,
        `${r.metadata}#ActiveCalls`,
        ACTIVE_CALL_PROPERTIES,
      ),
  },
  LastCdrAndChatMessageTimestamp: {
    access: 'admin',
    answer: (s, r) => {
      const last = s.pbx.lastCdrStartedAt();
      // Not nullable in the spec (docs/xapi-schemas.md §2.9): .NET's DateTime.MinValue when no CDR yet [inf].
      const row = {
        LastCdrStartedAt: last === null ? '0001-01-01T00:00:00Z' : formatODataDateTime(last),
      };
      return answerCollection(
        [row],
        r.query,
        `${r.metadata}#LastCdrAndChatMessageTimestamp`,
        LAST_CDR_PROPERTIES,
      );
    },
  },
};

const REPORTS: readonly ReportFunction[] = [
  GET_CALL_LOG_DATA,
  GET_INBOUND_CALLS,
  GET_ABANDONED_QUEUE_CALLS,
];

function reportProperties(s: SimServices, report: ReportFunction): readonly string[] {
  if (report === GET_CALL_LOG_DATA) return callLogProperties(s);
  if (report === GET_ABANDONED_QUEUE_CALLS) return ABANDONED_QUEUE_CALL_PROPERTIES;
  return INBOUND_CALL_PROPERTIES;
}

function route(segments: readonly string[]): Route {
  if (segments.length === 1 && Object.hasOwn(SINGLE_SEGMENT_ROUTES, segments[0])) {
    return SINGLE_SEGMENT_ROUTES[segments[0]];
  }
  if (segments.length === 2) {
    const report = REPORTS.find((r) => r.entitySet === segments[0]);
    const call = report ? parseFunctionSegment(segments[1]) : null;
    if (report && call && call.name === report.name) {
      return {
        access: 'owner',
        answer: (s, r) => {
          const args = bindReportArguments(report, call.args);
          return new JsonText(
            collectionJson(
              answerCollection(
                report.rows(s, args),
                r.query,
                `${r.metadata}#${report.context}`,
                reportProperties(s, report),
                s.reportQuirks,
                report.naturalOrder,
                true,
              ),
            ),
          );
        },
      };
    }
  }
  // Includes the unbound `/ReportCallLogData(…)` and `/CallLogData` (docs/3cx-facts.md §1.3 [obs bma]).
  throw notFound(
    `No HTTP resource was found that matches the request URI '/xapi/v1/${segments.join('/')}'`,
  );
}

function callLogProperties(s: SimServices): readonly string[] {
  if (s.features.callHistoryIds) return CALL_LOG_PROPERTIES;
  const newer = new Set<string>(CALL_LOG_PROPERTIES_SINCE_20_0_6);
  return CALL_LOG_PROPERTIES.filter((p) => !newer.has(p));
}

export function registerXapiRoutes(app: FastifyInstance, s: SimServices): void {
  app.get('/xapi/v1/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const check = s.tokens.check(request.headers.authorization);
    if (!check.ok) {
      // ASP.NET's JWT bearer handler: empty body, a WWW-Authenticate challenge [inf].
      const challenge =
        check.reason === 'missing'
          ? 'Bearer'
          : `Bearer error="invalid_token", error_description="The token is ${check.reason === 'expired' ? 'expired' : 'not valid'}"`;
      return reply.code(401).header('www-authenticate', challenge).send();
    }
    const { client } = check;
    if (!client.xapiEnabled) throw forbidden('XAPI access is not enabled for this API client');
    const parsed = parseXapiUrl(
      request.raw.url ?? '',
      `${request.protocol}://${request.headers.host ?? s.fqdn}`,
    );
    const target = route(parsed.segments);
    if ((ROLE_RANK[client.role] ?? 0) < NEEDED_RANK[target.access]) {
      throw forbidden(
        target.access === 'owner'
          ? 'The call reports need the System Owner role'
          : 'This API client role may not read the configuration',
      );
    }
    const body = target.answer(s, parsed);
    reply.code(200).header('odata-version', '4.0');
    if (body instanceof JsonText)
      return reply.type('application/json; charset=utf-8').send(body.bytes);
    return reply.send(omitNulls(body));
  });
}

/** Path segments after `/xapi/v1`, each percent-decoded on its own (a `/` inside a literal stays put). */
function parseXapiUrl(rawUrl: string, origin: string): XapiRequest {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const segments = path
    .split('/')
    .slice(3)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw badQuery(`Malformed percent-encoding in '${segment}'`);
      }
    });
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  return { segments, query, metadata: `${origin}/xapi/v1/$metadata` };
}
