// Resource Graph's query call (POST /providers/Microsoft.ResourceGraph/resources, api-version 2024-04-01) in the
// shape of @azure/arm-resourcegraph 5's `resources()`, on the Azure SDK's own client pipeline, so the target's
// credential, CA trust and call counting apply to it as to every other client.
import type { TokenCredential } from '@azure/core-auth';
import { ServiceClient, type ServiceClientOptions } from '@azure/core-client';
import { createPipelineRequest, RestError, type PipelineResponse } from '@azure/core-rest-pipeline';

export const RESOURCE_GRAPH_API_VERSION = '2024-04-01';

/** The spec's QueryRequest, options named as the SDK names them (it maps them to $top, $skip, $skipToken). */
export interface QueryRequest {
  readonly query: string;
  readonly subscriptions?: readonly string[];
  readonly options?: { readonly top?: number; readonly skip?: number; readonly skipToken?: string; readonly resultFormat?: 'objectArray' };
}

/** The spec's QueryResponse in objectArray format; the SDK maps `$skipToken` to `skipToken`. */
export interface QueryResponse {
  readonly totalRecords: number;
  readonly count: number;
  readonly resultTruncated: 'true' | 'false';
  readonly skipToken?: string;
  readonly data: readonly Record<string, unknown>[];
}

export interface QueryCallOptions {
  /** Sees the raw response (its quota headers) before the body is returned. */
  readonly onResponse?: (raw: { status: number; headers: { get(name: string): string | undefined } }) => void;
}

export interface ResourceGraphApi {
  resources(query: QueryRequest, options?: QueryCallOptions): Promise<QueryResponse>;
}

export class ResourceGraphClient implements ResourceGraphApi {
  private readonly client: ServiceClient;
  private readonly endpoint: string;

  constructor(credential: TokenCredential, options: ServiceClientOptions & { endpoint: string }) {
    this.endpoint = options.endpoint.replace(/\/$/, '');
    this.client = new ServiceClient({ ...options, credential });
  }

  async resources(query: QueryRequest, options: QueryCallOptions = {}): Promise<QueryResponse> {
    const o = query.options ?? {};
    const wireOptions = {
      ...(o.top !== undefined ? { $top: o.top } : {}),
      ...(o.skip !== undefined ? { $skip: o.skip } : {}),
      ...(o.skipToken !== undefined ? { $skipToken: o.skipToken } : {}),
      ...(o.resultFormat !== undefined ? { resultFormat: o.resultFormat } : {}),
    };
    const request = createPipelineRequest({
      url: `${this.endpoint}/providers/Microsoft.ResourceGraph/resources?api-version=${RESOURCE_GRAPH_API_VERSION}`,
      method: 'POST',
      body: JSON.stringify({ query: query.query, ...(query.subscriptions ? { subscriptions: query.subscriptions } : {}), options: wireOptions }),
    });
    request.headers.set('content-type', 'application/json; charset=utf-8');
    request.headers.set('accept', 'application/json');
    const response = await this.client.sendRequest(request);
    options.onResponse?.({ status: response.status, headers: { get: (name) => response.headers.get(name) } });
    const body = parseBody(response);
    if (response.status !== 200) throw restError(response, body);
    const { $skipToken, ...rest } = body as QueryResponse & { $skipToken?: string };
    return { ...rest, ...($skipToken !== undefined ? { skipToken: $skipToken } : {}) };
  }
}

function parseBody(response: PipelineResponse): unknown {
  try {
    return response.bodyAsText ? (JSON.parse(response.bodyAsText) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** The SDK's error for a failed call: Resource Graph's code and message, and the first detail that says more. */
function restError(response: PipelineResponse, body: unknown): RestError {
  const error = (body as { error?: { code?: string; message?: string; details?: { code?: string; message?: string }[] } } | undefined)?.error;
  const detail = error?.details?.find((d) => d.code !== 'InvalidQuery' && d.message) ?? error?.details?.[0];
  const message = [error?.message, detail?.message].filter(Boolean).join(' ') || `Resource Graph answered ${response.status}`;
  return new RestError(message, { code: error?.code, statusCode: response.status, request: response.request, response });
}
