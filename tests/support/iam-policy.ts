// Checks recorded S3 requests against docs/iam-policy.json: a small evaluator for the subset of IAM
// the policy uses (Allow statements, Action and Resource lists with `*` wildcards, no conditions).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecordedRequest } from './fault-proxy.js';
import { repoRoot } from './run-cli.js';

interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: unknown;
}

/** The IAM action that authorizes each S3 operation, and whether it is checked on the bucket or the object. */
const ACTION_OF: Record<string, { action: string; on: 'bucket' | 'object' }> = {
  HeadBucket: { action: 's3:ListBucket', on: 'bucket' },
  ListObjectsV2: { action: 's3:ListBucket', on: 'bucket' },
  GetObject: { action: 's3:GetObject', on: 'object' },
  HeadObject: { action: 's3:GetObject', on: 'object' },
  PutObject: { action: 's3:PutObject', on: 'object' },
  CreateMultipartUpload: { action: 's3:PutObject', on: 'object' },
  UploadPart: { action: 's3:PutObject', on: 'object' },
  CompleteMultipartUpload: { action: 's3:PutObject', on: 'object' },
  AbortMultipartUpload: { action: 's3:AbortMultipartUpload', on: 'object' },
  DeleteObject: { action: 's3:DeleteObject', on: 'object' },
};

export interface PolicyValues {
  /** Maps a bucket name seen in a request to the policy's <SOURCE_BUCKET> or <TARGET_BUCKET>. */
  readonly roleOf: (bucket: string) => 'SOURCE_BUCKET' | 'TARGET_BUCKET';
  readonly trgKey: string;
  readonly metaKey: string;
}

export async function loadPolicy(): Promise<Statement[]> {
  const policy = JSON.parse(await readFile(path.join(repoRoot, 'docs/iam-policy.json'), 'utf8')) as { Statement: Statement[] };
  return policy.Statement;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);
const glob = (pattern: string, text: string): boolean => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(text);

export interface Decision {
  readonly request: RecordedRequest;
  readonly action: string;
  readonly resource: string;
  /** The Sid of the statement that allows it, or undefined when nothing does. */
  readonly allowedBy: string | undefined;
}

/** For each request: its IAM action and resource, and which statement allows it. */
export function evaluate(statements: Statement[], requests: readonly RecordedRequest[], values: PolicyValues): Decision[] {
  const fill = (text: string): string => text.replaceAll('<TRG_KEY>', values.trgKey).replaceAll('<META_KEY>', values.metaKey);
  return requests.map((request) => {
    const mapping = ACTION_OF[request.operation];
    const role = values.roleOf(request.bucket);
    const resource = mapping?.on === 'bucket' ? `arn:aws:s3:::<${role}>` : `arn:aws:s3:::<${role}>/${request.key}`;
    const action = mapping?.action ?? `unknown:${request.operation}`;
    const statement = statements.find((s) => s.Effect === 'Allow' && s.Condition === undefined && list(s.Action).some((a) => glob(a, action)) && list(s.Resource).some((r) => glob(fill(r), resource)));
    return { request, action, resource, allowedBy: statement?.Sid };
  });
}
