/**
 * Plotting on Plotly.js: pure figure builders (seed bands, panel grids, figures from results rows),
 * standalone HTML pages with Plotly inlined once, and display in tslab notebooks.
 */
export type {
  Figure, PlotlyTrace, PlotlyLayout, PlotlyConfig, PlotlyAxis, PlotlyAnnotation, PlotlyLine, PlotlyMarker,
  PlotlyLegend, PlotlyTitle, PlotlyFont, PlotlyShape,
} from './types.js';
export { OPTIMIZER_COLORS, FALLBACK_PALETTE, colorFor, dashFor, baseOptimizer, isOptimizerName, withAlpha } from './colors.js';
export { pointStats, type PointStats } from './stats.js';
export { seedBand, type SeedSeries, type SeedBandOptions } from './band.js';
export {
  linePanel, panelGrid, lineFigure, type NamedSeries, type Panel, type LinePanelOptions, type PanelGridOptions,
} from './panels.js';
export { figureFromRows, type ResultRow, type FromRowsOptions } from './rows.js';
export { escapeHtml, scriptJson } from './escape.js';
export { plotlySource, plotlyVersion, plotlyScriptTag, PLOTLY_SCRIPT_ATTR } from './plotly-source.js';
export {
  PLOT_CLASS, STATIC_CLASS, figureHtml, toStandaloneHtml, type FigureHtmlOptions, type HtmlSection, type HtmlReport,
  type StandaloneHtmlOptions,
} from './html.js';
export { tableHtml, type TableInput, type DataFrameLike, type TableHtmlOptions } from './table.js';
export { show, showTable, inNotebook, tslabDisplay, type ShowOptions } from './notebook.js';
export { figureSvg, type FigureSvgOptions } from './svg.js';
export { figurePng, prepareRaster, rasterStatus } from './raster.js';
