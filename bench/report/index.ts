/**
 * Reading, rendering and comparing bench reports: what `frontswap bench`,
 * `frontswap report` and `frontswap compare` use.
 */
export * from './schema';
export { stat, outsideSpread, formatSi, formatNs, formatBytes, formatGbps, formatRatio } from './stats';
export { computeCrossovers, crossoversOf, pickSyncReference } from './crossover';
export { ReportError, parseReport, readReport } from './read';
export type { ReportErrorCode } from './read';
export { renderMarkdown } from './markdown';
export { renderHtml } from './html';
export { lineChart, throughputChart, callerCpuChart, crossoverChart } from './svg';
export type { ChartPoint, ChartSeries, LineChartSpec } from './svg';
export { compareReports, renderCompareMarkdown, renderCompareHtml, compareChart } from './compare';
export type { Comparison, ComparedEntry, ComparedFigure, PartialEntry, ComparisonSummary } from './compare';
export { writeReportFiles, writeComparisonFiles, formatReportJson } from './write';
