import type { Benchmark } from '../harness/benchmark.js';
import { apiIngest } from './api-ingest.js';
import { concurrency } from './concurrency.js';
import { dispatchLatency } from './dispatch-latency.js';
import { fleet10k } from './fleet-10k.js';
import { sqsIngest } from './sqs-ingest.js';
import { synthValidate } from './synth-validate.js';
import { workerThroughput } from './worker-throughput.js';

/** Every benchmark of `make bench`, in the order they run (issues 5 and 9). */
export const BENCHMARKS: readonly Benchmark[] = [apiIngest, sqsIngest, dispatchLatency, workerThroughput, concurrency, fleet10k, synthValidate];
