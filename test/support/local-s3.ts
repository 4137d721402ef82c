/**
 * A real S3-compatible server for the tests (s3rver on a free loopback
 * port, its store a directory of the test's own), with one bucket, and the
 * environment through which smgr's commands reach it: credentials from the
 * SDK's standard chain (AWS_* variables, never config.json) and the
 * endpoint (SMGR_S3_ENDPOINT). `prepare` runs before the server starts
 * (s3rver-uploads.ts adds the multipart listing there).
 */
import fs from 'node:fs';
import S3rver from 's3rver';

export interface LocalS3 {
  server: S3rver;
  endpoint: string;
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and SMGR_S3_ENDPOINT for a command. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalS3(
  directory: string,
  bucket: string,
  prepare?: (server: S3rver) => void,
): Promise<LocalS3> {
  fs.mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  prepare?.(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    server,
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      SMGR_S3_ENDPOINT: endpoint,
    },
    close: () => server.close(),
  };
}
