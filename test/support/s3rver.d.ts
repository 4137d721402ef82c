/** The part of s3rver's API the S3 tests use (the package ships no types). */
declare module 's3rver' {
  export default class S3rver {
    constructor(o: {
      port?: number;
      address?: string;
      silent?: boolean;
      directory: string;
      configureBuckets?: Array<{ name: string }>;
    });
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
