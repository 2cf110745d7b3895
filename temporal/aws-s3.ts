/**
 * The AWS SDK's S3 client and Temporal's S3 storage driver, loaded when a store on S3 is first
 * used: they cost a quarter of a second of start-up to load, which every `todone run` on the
 * embedded default (files on this machine) would otherwise pay for nothing.
 */
import { createRequire } from 'node:module';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as StorageS3 from '@temporalio/external-storage-s3';
import type * as StorageS3AwsSdk from '@temporalio/external-storage-s3-aws-sdk';

const require = createRequire(import.meta.url);

export function awsS3(): typeof ClientS3 {
  return require('@aws-sdk/client-s3') as typeof ClientS3;
}

export function s3StorageDriver(): Pick<typeof StorageS3, 'S3StorageDriver'> &
  Pick<typeof StorageS3AwsSdk, 'AwsSdkS3StorageDriverClient'> {
  const { S3StorageDriver } = require('@temporalio/external-storage-s3') as typeof StorageS3;
  const { AwsSdkS3StorageDriverClient } = require('@temporalio/external-storage-s3-aws-sdk') as typeof StorageS3AwsSdk;
  return { S3StorageDriver, AwsSdkS3StorageDriverClient };
}
