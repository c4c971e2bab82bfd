/**
 * Minimal Plotly.js types: only the parts of the figure schema this project writes. Values that
 * are missing or not finite are `null` (Plotly draws a gap there), never NaN.
 */

/** Line style of a scatter trace. */
export interface PlotlyLine {
  color?: string;
  width?: number;
  dash?: 'solid' | 'dot' | 'dash' | 'longdash' | 'dashdot' | 'longdashdot';
  shape?: 'linear' | 'spline' | 'hv' | 'vh';
}

/** Marker style of a scatter trace. */
export interface PlotlyMarker {
  color?: string;
  size?: number;
  symbol?: string;
}

/** Font settings. */
export interface PlotlyFont {
  family?: string;
  size?: number;
  color?: string;
}

/** A title: Plotly accepts `{ text }`. */
export interface PlotlyTitle {
  text: string;
  font?: PlotlyFont;
}

/** One scatter (line/marker/band) trace. */
export interface PlotlyTrace {
  type: 'scatter' | 'scattergl';
  x: (number | string | null)[];
  y: (number | null)[];
  name?: string;
  mode?: 'lines' | 'markers' | 'lines+markers' | 'none';
  line?: PlotlyLine;
  marker?: PlotlyMarker;
  fill?: 'none' | 'toself' | 'tonexty' | 'tozeroy';
  fillcolor?: string;
  opacity?: number;
  legendgroup?: string;
  showlegend?: boolean;
  hoverinfo?: 'skip' | 'none' | 'all' | 'x+y' | 'x+y+name' | 'name' | 'y';
  hovertemplate?: string;
  connectgaps?: boolean;
  /** Axis ids: 'x', 'x2', ... and 'y', 'y2', ... (subplots). */
  xaxis?: string;
  yaxis?: string;
}

/** One cartesian axis. */
export interface PlotlyAxis {
  title?: PlotlyTitle;
  type?: 'linear' | 'log' | 'category' | 'date';
  domain?: [number, number];
  anchor?: string;
  range?: [number, number];
  matches?: string;
  autorange?: boolean;
  showgrid?: boolean;
  zeroline?: boolean;
  tickformat?: string;
  /** Step between ticks (e.g. 1 for integer positions). */
  dtick?: number;
  exponentformat?: 'none' | 'e' | 'E' | 'power' | 'SI' | 'B';
  automargin?: boolean;
}

/** A text annotation (used for subplot titles). */
export interface PlotlyAnnotation {
  text: string;
  x: number;
  y: number;
  xref: 'paper' | string;
  yref: 'paper' | string;
  showarrow: boolean;
  xanchor?: 'left' | 'center' | 'right' | 'auto';
  yanchor?: 'top' | 'middle' | 'bottom' | 'auto';
  font?: PlotlyFont;
}

/**
 * A layout shape: only straight lines and rectangles (e.g. a vertical marker where a run switches
 * optimizer). `xref` is an axis id ('x', 'x2', ...) or 'paper'; `yref` is an axis id, an axis
 * domain ('y domain', 'y2 domain': 0..1 spans that subplot's height) or 'paper'.
 */
export interface PlotlyShape {
  type: 'line' | 'rect';
  xref?: string;
  yref?: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  line?: PlotlyLine;
  fillcolor?: string;
  opacity?: number;
  layer?: 'above' | 'below';
}

/** Legend placement. */
export interface PlotlyLegend {
  orientation?: 'v' | 'h';
  x?: number;
  y?: number;
  xanchor?: 'left' | 'center' | 'right' | 'auto';
  yanchor?: 'top' | 'middle' | 'bottom' | 'auto';
  traceorder?: 'normal' | 'grouped' | 'reversed';
  font?: PlotlyFont;
}

/** Figure layout. Subplot axes are `xaxis2`, `yaxis2`, ... */
export interface PlotlyLayout {
  title?: PlotlyTitle;
  width?: number;
  height?: number;
  autosize?: boolean;
  showlegend?: boolean;
  legend?: PlotlyLegend;
  margin?: { l?: number; r?: number; t?: number; b?: number; pad?: number };
  annotations?: PlotlyAnnotation[];
  shapes?: PlotlyShape[];
  hovermode?: 'closest' | 'x' | 'y' | 'x unified' | 'y unified' | false;
  font?: PlotlyFont;
  paper_bgcolor?: string;
  plot_bgcolor?: string;
  xaxis?: PlotlyAxis;
  yaxis?: PlotlyAxis;
  [axis: `xaxis${number}`]: PlotlyAxis;
  [axis: `yaxis${number}`]: PlotlyAxis;
}

/** Plotly's per-plot configuration. */
export interface PlotlyConfig {
  responsive?: boolean;
  displaylogo?: boolean;
  displayModeBar?: boolean | 'hover';
  staticPlot?: boolean;
  scrollZoom?: boolean;
  toImageButtonOptions?: { format?: 'png' | 'svg' | 'jpeg' | 'webp'; filename?: string; scale?: number };
}

/**
 * A figure: what `Plotly.newPlot(div, data, layout, config)` takes. `name` is not sent to Plotly;
 * it labels the figure's HTML output (`data-figure`), so tests and readers can find it.
 */
export interface Figure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
  config?: PlotlyConfig;
  name?: string;
}
