/*
 * pf-loss-sweep-report.c -- the reports of `pf-loss sweep`: a table in
 * the original loss-harness layout, CSV, JSON and an SVG plot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss-sweep.h"
#include "svgplot.h"

const char *x_header(enum lm_kind k) {
  switch (k) {
  case LM_PERIODIC:
    return "drop 1/N";
  case LM_PER_BLOCK:
    return "lost/block";
  default:
    return "loss";
  }
}

static void list_u32(char *buf, size_t len, const uint32_t *v, size_t n) {
  size_t i, l = 0;

  buf[0] = '\0';
  for (i = 0; i < n && l < len; i++)
    l += (size_t)snprintf(buf + l, len - l, "%s%u", i ? "," : "", v[i]);
}

static const char *model_text(const struct sweep_opts *o) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    return "periodic drop (datagram n lost when n % N == 0)";
  case LM_BERNOULLI:
    return "Bernoulli (each datagram lost independently)";
  case LM_GILBERT:
    return "Gilbert-Elliott bursts";
  case LM_PER_BLOCK:
    return "a fixed count of random shards lost per FEC block";
  default:
    return "none";
  }
}

static double measured_loss(const struct sweep *sw, size_t xi) {
  uint64_t d = 0, l = 0;
  size_t s;

  for (s = 0; s < sw->nse; s++) {
    d += sw->res[s * sw->nx + xi].dgrams;
    l += sw->res[s * sw->nx + xi].lost;
  }
  return d ? 100.0 * (double)l / (double)d : 0.0;
}

void sweep_print_table(const struct sweep *sw) {
  const struct sweep_opts *o = sw->o;
  char fecs[256], sizes[256], cell[64];
  size_t s, x, w0 = strlen(x_header(o->model.kind)), w1 = 7;
  size_t *w = calloc(sw->nse, sizeof(size_t));

  if (!w)
    return;
  list_u32(fecs, sizeof(fecs), o->fecs, o->nfecs);
  list_u32(sizes, sizeof(sizes), o->frame_sizes, o->nframe_sizes);
  printf("punktfunk loss-harness \xe2\x80\x94 %s%% FEC, %u frames of %s "
         "bytes\n",
         fecs, o->frames, sizes);
  if (o->ncodes == 2)
    printf("(GF8 = GameStream-sized blocks, GF16 = native)\n");
  printf("model: %s; K_max ", model_text(o));
  list_u32(fecs, sizeof(fecs), o->kmaxs, o->nkmaxs);
  printf("%s, shard %u B, %s", fecs, o->shard_size,
         o->aead == PF_AEAD_NONE ? "unsealed" : cli_aead_name(o->aead));
  if (o->reorder > 0)
    printf(", reorder %g%%", o->reorder * 100);
  if (o->duplicate > 0)
    printf(", duplicate %g%%", o->duplicate * 100);
  printf("\n\n");
  for (x = 0; x < sw->nx; x++) {
    point_label(o, x, cell, sizeof(cell));
    if (strlen(cell) > w0)
      w0 = strlen(cell);
  }
  for (s = 0; s < sw->nse; s++)
    w[s] = strlen(sw->se[s].label) + strlen(" recovered");
  printf("%-*s | %*s", (int)w0, x_header(o->model.kind), (int)w1,
         "~loss %");
  for (s = 0; s < sw->nse; s++)
    printf(" | %s recovered", sw->se[s].label);
  printf("\n");
  for (x = 0; x < w0; x++)
    putchar('-');
  printf("-+-");
  for (x = 0; x < w1; x++)
    putchar('-');
  for (s = 0; s < sw->nse; s++) {
    printf("-+-");
    for (x = 0; x < w[s]; x++)
      putchar('-');
  }
  printf("\n");
  for (x = 0; x < sw->nx; x++) {
    double loss = o->model.kind == LM_PERIODIC ? point_x(o, x)
                                               : measured_loss(sw, x);
    point_label(o, x, cell, sizeof(cell));
    printf("%-*s | %*.1f", (int)w0, cell, (int)w1, loss);
    for (s = 0; s < sw->nse; s++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      char c2[64];
      snprintf(c2, sizeof(c2), "%" PRIu64 "/%" PRIu64, r->delivered,
               r->frames);
      printf(" | %*s", (int)w[s], c2);
    }
    printf("\n");
  }
  printf("\n");
  if (o->nfecs == 1)
    printf("Note: recovery drops off once per-block loss exceeds the %u%% "
           "recovery budget.\n",
           o->fecs[0]);
  else
    printf("Note: recovery drops off once per-block loss exceeds each "
           "series' recovery budget.\n");
  printf("seed: %" PRIu64 " (replay with --seed %" PRIu64 ")\n", o->seed,
         o->seed);
  free(w);
}

void sweep_print_csv(const struct sweep *sw) {
  const struct sweep_opts *o = sw->o;
  char lab[64];
  size_t s, x;

  printf("series,model,x,nominal_loss_pct,code,fec_percent,data_shards,"
         "frame_bytes,burst,frames,delivered,corrupt,bound_frames,blocks,"
         "blocks_in_budget,datagrams,lost,duplicated,reordered,loss_pct,"
         "delivered_pct,bound_pct,seed\n");
  for (s = 0; s < sw->nse; s++)
    for (x = 0; x < sw->nx; x++) {
      const struct series *se = &sw->se[s];
      const struct result *r = &sw->res[s * sw->nx + x];
      point_label(o, x, lab, sizeof(lab));
      printf("\"%s\",%s,%s,%.4f,%s,%u,%u,%u,%g,%" PRIu64 ",%" PRIu64
             ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
             ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f,%.4f,%.4f,%" PRIu64
             "\n",
             se->label, lm_kind_name(o->model.kind), lab,
             o->model.kind == LM_PER_BLOCK ? 0.0 : point_x(o, x),
             code_lower(se->fec_scheme), se->fec, se->kmax, se->frame_size,
             se->burst, r->frames, r->delivered, r->corrupt, r->bound_frames,
             r->blocks, r->blocks_in_budget, r->dgrams, r->lost,
             r->duplicated, r->reordered,
             r->dgrams ? 100.0 * (double)r->lost / (double)r->dgrams : 0.0,
             100.0 * (double)r->delivered / (double)r->frames,
             100.0 * (double)r->bound_frames / (double)r->frames, o->seed);
    }
}

void sweep_print_json(const struct sweep *sw, uint64_t violations) {
  const struct sweep_opts *o = sw->o;
  char lab[64];
  size_t s, x;

  printf("{\"tool\":\"pf-loss sweep\",\"version\":\"%s\",\"seed\":%" PRIu64
         ",\"model\":\"%s\",\"frames\":%u,\"shard_size\":%u,\"aead\":\"%s\","
         "\"reorder\":%g,\"duplicate\":%g,\"mds_violations\":%" PRIu64
         ",\"series\":[",
         pf_version(), o->seed, lm_kind_name(o->model.kind), o->frames,
         o->shard_size,
         cli_aead_name(o->aead),
         o->reorder, o->duplicate, violations);
  for (s = 0; s < sw->nse; s++) {
    const struct series *se = &sw->se[s];
    printf("%s\n {\"label\":\"%s\",\"code\":\"%s\",\"fec_percent\":%u,"
           "\"data_shards\":%u,\"frame_bytes\":%u,\"burst\":%g,\"points\":[",
           s ? "," : "", se->label, code_lower(se->fec_scheme), se->fec, se->kmax,
           se->frame_size, se->burst);
    for (x = 0; x < sw->nx; x++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      point_label(o, x, lab, sizeof(lab));
      printf("%s\n  {\"x\":\"%s\",\"nominal\":%.4f,\"frames\":%" PRIu64
             ",\"delivered\":%" PRIu64 ",\"corrupt\":%" PRIu64
             ",\"bound_frames\":%" PRIu64 ",\"blocks\":%" PRIu64
             ",\"blocks_in_budget\":%" PRIu64 ",\"datagrams\":%" PRIu64
             ",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64
             ",\"reordered\":%" PRIu64 ",\"fec_recovered_shards\":%" PRIu64
             ",\"mds_violations\":%" PRIu64 "}",
             x ? "," : "", lab, point_x(o, x), r->frames, r->delivered,
             r->corrupt, r->bound_frames, r->blocks, r->blocks_in_budget,
             r->dgrams, r->lost, r->duplicated, r->reordered,
             r->fec_recovered, r->violations);
    }
    printf("]}");
  }
  printf("\n]}\n");
}

/* Whether series |s|'s bound curve is |y| (percent per point). */
static int bound_equal(const struct sweep *sw, size_t s, const double *y) {
  size_t x;

  for (x = 0; x < sw->nx; x++) {
    const struct result *r = &sw->res[s * sw->nx + x];
    if (100.0 * (double)r->bound_frames / (double)r->frames != y[x])
      return 0;
  }
  return 1;
}

int sweep_write_plot(const struct sweep *sw) {
  const struct sweep_opts *o = sw->o;
  svg_series *cur = NULL;
  double *xs = NULL, *ys = NULL, xmax = 0;
  char (*labels)[128] = NULL;
  char sub[768], kl[128];
  size_t s, x, n = 0, t, nbounds = 0;
  svg_chart c;
  FILE *f;
  int rv = -1;

  cur = calloc(2 * sw->nse, sizeof(*cur));
  xs = calloc(sw->nx, sizeof(double));
  ys = calloc(2 * sw->nse * sw->nx, sizeof(double));
  labels = calloc(2 * sw->nse, sizeof(*labels));
  if (!cur || !xs || !ys || !labels) {
    cli_error("sweep: out of memory");
    goto out;
  }
  for (x = 0; x < sw->nx; x++) {
    xs[x] = point_x(o, x);
    if (xs[x] > xmax)
      xmax = xs[x];
  }
  for (s = 0; s < sw->nse; s++) {
    double *y = ys + n * sw->nx;
    for (x = 0; x < sw->nx; x++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      y[x] = 100.0 * (double)r->delivered / (double)r->frames;
    }
    snprintf(labels[n], sizeof(labels[n]), "%s delivered", sw->se[s].label);
    cur[n] = (svg_series){labels[n], xs, y, sw->nx, 0, (unsigned)s};
    n++;
  }
  /* Bounds: one per distinct curve (series that share the frame shape
   * and the loss pattern share it). */
  for (s = 0; s < sw->nse; s++) {
    double *y = ys + n * sw->nx;
    int dup = 0;
    for (x = 0; x < sw->nx; x++) {
      const struct result *r = &sw->res[s * sw->nx + x];
      y[x] = 100.0 * (double)r->bound_frames / (double)r->frames;
    }
    for (t = sw->nse; t < n; t++)
      if (memcmp(cur[t].y, y, sw->nx * sizeof(double)) == 0)
        dup = 1;
    if (dup)
      continue;
    cur[n] = (svg_series){labels[n], xs, y, sw->nx, 1, (unsigned)s};
    n++;
    nbounds++;
  }
  for (t = sw->nse; t < n; t++) {
    const struct series *se = &sw->se[cur[t].color];
    size_t users = 0;
    for (s = 0; s < sw->nse; s++)
      if (bound_equal(sw, s, cur[t].y))
        users++;
    if (nbounds == 1)
      snprintf(labels[t], sizeof(labels[t]), "RS bound (\xe2\x89\xa4 M lost)");
    else
      snprintf(labels[t], sizeof(labels[t]), "%s RS bound",
               users > 1 && se->nocode[0] ? se->nocode : se->label);
  }
  list_u32(kl, sizeof(kl), o->kmaxs, o->nkmaxs);
  {
    char fecs[128], sizes[128];
    list_u32(fecs, sizeof(fecs), o->fecs, o->nfecs);
    list_u32(sizes, sizeof(sizes), o->frame_sizes, o->nframe_sizes);
    snprintf(sub, sizeof(sub),
             "%s model, %s%% FEC, K_max %s, shard %u B, %u frames of %s B, "
             "seed %" PRIu64,
             lm_kind_name(o->model.kind), fecs, kl, o->shard_size, o->frames,
             sizes, o->seed);
  }
  memset(&c, 0, sizeof(c));
  c.title = "pf-loss sweep: frames delivered byte-exact vs loss";
  c.subtitle = sub;
  c.xlabel = o->model.kind == LM_PER_BLOCK
                 ? "shards lost per FEC block"
                 : (o->model.kind == LM_PERIODIC
                        ? "datagrams lost (%, drop 1 of N)"
                        : "datagrams lost (%)");
  c.ylabel = "frames delivered (%)";
  c.xmin = 0;
  c.xmax = xmax > 0 ? xmax : 1;
  c.ymin = 0;
  c.ymax = 100;
  c.xunit = o->model.kind == LM_PER_BLOCK ? "" : "%";
  c.yunit = "%";
  f = fopen(o->plot, "w");
  if (!f) {
    cli_error("sweep: cannot create '%s': %s", o->plot, strerror(errno));
    goto out;
  }
  if (svg_plot_write(f, &c, cur, n) != 0) {
    cli_error("sweep: cannot write '%s': %s", o->plot, strerror(errno));
    fclose(f);
    goto out;
  }
  if (fclose(f) != 0) {
    cli_error("sweep: cannot write '%s': %s", o->plot, strerror(errno));
    goto out;
  }
  rv = 0;
out:
  free(cur);
  free(xs);
  free(ys);
  free(labels);
  return rv;
}
