/**
 * frontswap: Linux frontswap semantics over a real mmap'd page pool, reachable by
 * synchronous copies or a batched asynchronous copy engine.
 */
export { PagePool } from './page-pool';
export type { Backing, BackingRequest, PageSize, PagePoolOptions, PoolMemoryUsage } from './page-pool';
export { Frontswap, FrontswapBatch } from './frontswap';
export type { BatchOf, FrontswapOptions, FrontswapStats } from './frontswap';
export { SwapDevice } from './swap-device';
export type { DeviceHoldings, DiscardPolicy, SwapDeviceOptions, SwapDeviceStats } from './swap-device';
export { DeviceBatch } from './device-io';
export type { UringStats } from './device-io';
export { CopyEngine, RawBatch } from './copy-engine';
export type { CopyEngineOptions, CompletionMode, CompletionPaths, EngineStats, RawBatchResult, WaitMode, WorkerStats } from './copy-engine';
export { FrontswapError } from './errors';
export type { FrontswapErrorCode } from './errors';
export { machineInfo } from './machine-info';
export type { MachineInfo } from './machine-info';
export { SwapRegion, userfaultfdAvailable } from './swap-region';
export type { EvictMode, SwapRegionOptions, SwapRegionStats, VictimPolicyName } from './swap-region';
