/*
 * svgplot.h -- a small, dependency-free SVG line chart for pf-loss sweep
 * --plot.  Not part of the library.
 */
#ifndef PF_SVGPLOT_H
#define PF_SVGPLOT_H

#include <stddef.h>
#include <stdio.h>

typedef struct svg_series {
  const char *label;
  const double *x;
  const double *y;
  size_t n;
  /* 0: a solid curve with point markers (measured); 1: a dashed curve
   * without markers (a bound). */
  int dashed;
  /* Index into the palette; series and its bound may share a colour. */
  unsigned color;
} svg_series;

typedef struct svg_chart {
  const char *title;
  const char *subtitle;
  const char *xlabel;
  const char *ylabel;
  double xmin, xmax, ymin, ymax;
  /* Printed after tick values, e.g. "%" (may be NULL). */
  const char *xunit, *yunit;
} svg_chart;

/*
 * Writes a complete SVG document to |f|: title, axes with ticks and
 * grid, axis labels, one <polyline class="series"> per solid series and
 * one <polyline class="bound"> per dashed one, and a legend.
 * Returns 0, or -1 if writing failed.
 */
int svg_plot_write(FILE *f, const svg_chart *c, const svg_series *s,
                   size_t ns);

#endif /* PF_SVGPLOT_H */
