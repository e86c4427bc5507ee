/*
 * svgplot.c -- a small SVG line chart (see svgplot.h).
 */
#include "svgplot.h"

#include <math.h>
#include <string.h>

#define W 860.0
#define H 500.0
#define ML 78.0  /* left margin: y tick labels and axis label */
#define MR 230.0 /* right margin: the legend */
#define MT 70.0  /* top: title and subtitle */
#define MB 62.0  /* bottom: x tick labels and axis label */

/* Colour-blind-safe palette (Okabe-Ito), then a few extras. */
static const char *const palette[] = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
    "#56B4E9", "#000000", "#882255", "#117733", "#999933",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static void put_escaped(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      fputc(*s, f);
    }
  }
}

/* A "nice" step (1, 2, 2.5 or 5 x 10^n) giving about |want| ticks. */
static double nice_step(double span, int want) {
  double raw = span / want, mag, f;

  if (!(raw > 0))
    return 1;
  mag = pow(10, floor(log10(raw)));
  f = raw / mag;
  if (f <= 1)
    f = 1;
  else if (f <= 2)
    f = 2;
  else if (f <= 2.5)
    f = 2.5;
  else if (f <= 5)
    f = 5;
  else
    f = 10;
  return f * mag;
}

static void fmt_tick(char *buf, size_t len, double v, double step,
                     const char *unit) {
  int prec = 0;

  if (step < 1)
    prec = (int)ceil(-log10(step) - 1e-9);
  if (prec > 6)
    prec = 6;
  if (fabs(v) < step * 1e-9)
    v = 0;
  snprintf(buf, len, "%.*f%s", prec, v, unit ? unit : "");
}

/* Width of measured curve |k| of |n|: the first drawn is the widest. */
static double solid_width(size_t k, size_t n) {
  double w = 2.2 + 2.0 * (double)(n - 1 - k);

  return w > 9 ? 9 : w;
}

/* Point marker |k|: circle, square, triangle, diamond, in turn. */
static void marker(FILE *f, size_t k, double x, double y) {
  const double r = 3.6;

  switch (k % 4) {
  case 0:
    fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\"/>\n", x, y, r);
    break;
  case 1:
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.1f\" height=\"%.1f\"/>\n",
            x - r, y - r, 2 * r, 2 * r);
    break;
  case 2:
    fprintf(f, "<polygon points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n", x,
            y - 1.2 * r, x + 1.1 * r, y + 0.8 * r, x - 1.1 * r, y + 0.8 * r);
    break;
  default:
    fprintf(f,
            "<polygon points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n",
            x, y - 1.3 * r, x + 1.3 * r, y, x, y + 1.3 * r, x - 1.3 * r, y);
  }
}

int svg_plot_write(FILE *f, const svg_chart *c, const svg_series *s,
                   size_t ns) {
  const double pw = W - ML - MR, ph = H - MT - MB;
  double xmin = c->xmin, xmax = c->xmax, ymin = c->ymin, ymax = c->ymax;
  double step, v;
  char tick[64];
  size_t i, j;
  unsigned nlegend = 0;
  size_t nsolid = 0, nmark = 0;

  if (!(xmax > xmin))
    xmax = xmin + 1;
  if (!(ymax > ymin))
    ymax = ymin + 1;
#define PX(x) (ML + ((x)-xmin) / (xmax - xmin) * pw)
#define PY(y) (MT + ph - ((y)-ymin) / (ymax - ymin) * ph)

  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
          "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
          "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
          W, H, W, H);
  fputs("<title>", f);
  put_escaped(f, c->title);
  fputs("</title>\n", f);
  fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" "
             "fill=\"#ffffff\"/>\n",
          W, H);
  /* Title and subtitle. */
  fprintf(f, "<text x=\"%.1f\" y=\"30\" font-size=\"18\" "
             "font-weight=\"bold\" fill=\"#222\">",
          ML);
  put_escaped(f, c->title);
  fputs("</text>\n", f);
  if (c->subtitle) {
    fprintf(f, "<text x=\"%.1f\" y=\"50\" font-size=\"12\" fill=\"#555\">",
            ML);
    put_escaped(f, c->subtitle);
    fputs("</text>\n", f);
  }

  /* Plot area, grid and ticks. */
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
             "fill=\"#fafafa\" stroke=\"none\"/>\n",
          ML, MT, pw, ph);
  fputs("<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n", f);
  step = nice_step(xmax - xmin, 8);
  for (v = ceil(xmin / step - 1e-9) * step; v <= xmax + step * 1e-9;
       v += step)
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            PX(v), MT, PX(v), MT + ph);
  step = nice_step(ymax - ymin, 5);
  for (v = ceil(ymin / step - 1e-9) * step; v <= ymax + step * 1e-9;
       v += step)
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            ML, PY(v), ML + pw, PY(v));
  fputs("</g>\n", f);

  fputs("<g class=\"axes\" stroke=\"#333\" stroke-width=\"1.2\">\n", f);
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ML,
          MT + ph, ML + pw, MT + ph);
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ML,
          MT, ML, MT + ph);
  step = nice_step(xmax - xmin, 8);
  for (v = ceil(xmin / step - 1e-9) * step; v <= xmax + step * 1e-9;
       v += step)
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            PX(v), MT + ph, PX(v), MT + ph + 5);
  step = nice_step(ymax - ymin, 5);
  for (v = ceil(ymin / step - 1e-9) * step; v <= ymax + step * 1e-9;
       v += step)
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            ML - 5, PY(v), ML, PY(v));
  fputs("</g>\n", f);

  fputs("<g class=\"ticks\" font-size=\"12\" fill=\"#333\">\n", f);
  step = nice_step(xmax - xmin, 8);
  for (v = ceil(xmin / step - 1e-9) * step; v <= xmax + step * 1e-9;
       v += step) {
    fmt_tick(tick, sizeof(tick), v, step, c->xunit);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
               "</text>\n",
            PX(v), MT + ph + 20, tick);
  }
  step = nice_step(ymax - ymin, 5);
  for (v = ceil(ymin / step - 1e-9) * step; v <= ymax + step * 1e-9;
       v += step) {
    fmt_tick(tick, sizeof(tick), v, step, c->yunit);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            ML - 9, PY(v) + 4, tick);
  }
  fputs("</g>\n", f);

  /* Axis labels. */
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" fill=\"#222\" "
             "text-anchor=\"middle\">",
          ML + pw / 2, H - 18);
  put_escaped(f, c->xlabel);
  fputs("</text>\n", f);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" fill=\"#222\" "
             "text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">",
          22.0, MT + ph / 2, 22.0, MT + ph / 2);
  put_escaped(f, c->ylabel);
  fputs("</text>\n", f);

  /*
   * Measured curves first, widest first, so curves that coincide (codes
   * that recover the same frames) stay visible as a thin line inside a
   * wide one; then the dashed bounds on top of them.
   */
  for (i = 0; i < ns; i++)
    if (!s[i].dashed)
      nsolid++;
  for (j = 0; j < 2; j++) {
    size_t k2 = 0;

    for (i = 0; i < ns; i++) {
      const svg_series *q = &s[i];
      const char *col = palette[q->color % NPALETTE];
      size_t k;

      if ((j == 1) != (q->dashed != 0))
        continue;
      fprintf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" ",
              q->dashed ? "bound" : "series", col);
      if (q->dashed)
        fputs("stroke-width=\"1.6\" stroke-dasharray=\"7 5\" ", f);
      else
        fprintf(f,
                "stroke-width=\"%.1f\" stroke-opacity=\"0.9\" "
                "stroke-linejoin=\"round\" stroke-linecap=\"round\" ",
                solid_width(k2, nsolid));
      fputs("points=\"", f);
      for (k = 0; k < q->n; k++)
        fprintf(f, "%s%.2f,%.2f", k ? " " : "", PX(q->x[k]), PY(q->y[k]));
      fputs("\"><title>", f);
      put_escaped(f, q->label);
      fputs("</title></polyline>\n", f);
      if (!q->dashed) {
        fprintf(f, "<g class=\"markers\" fill=\"%s\">\n", col);
        for (k = 0; k < q->n; k++)
          marker(f, k2, PX(q->x[k]), PY(q->y[k]));
        fputs("</g>\n", f);
        k2++;
      }
    }
  }

  /* Legend, to the right of the plot area. */
  fputs("<g class=\"legend\" font-size=\"12\" fill=\"#222\">\n", f);
  for (i = 0; i < ns; i++) {
    const char *col = palette[s[i].color % NPALETTE];
    double ly = MT + 10 + nlegend * 22.0, lx = ML + pw + 18;

    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"%s\" stroke-width=\"2.2\"%s/>\n",
            lx, ly, lx + 28, ly, col,
            s[i].dashed ? " stroke-dasharray=\"7 5\"" : "");
    if (!s[i].dashed) {
      fprintf(f, "<g fill=\"%s\">", col);
      marker(f, nmark++, lx + 14, ly);
      fputs("</g>\n", f);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 36, ly + 4);
    put_escaped(f, s[i].label);
    fputs("</text>\n", f);
    nlegend++;
  }
  fputs("</g>\n</svg>\n", f);
#undef PX
#undef PY
  return ferror(f) ? -1 : 0;
}
