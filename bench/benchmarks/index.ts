import type { Benchmark } from '../harness/benchmark.js';
import { apiIngest } from './api-ingest.js';

/** Every benchmark of `make bench`, in the order they run (issue 5). */
export const BENCHMARKS: readonly Benchmark[] = [apiIngest];
