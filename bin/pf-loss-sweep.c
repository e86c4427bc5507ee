/*
 * pf-loss-sweep.c -- `pf-loss sweep`: frames delivered byte-exact under
 * loss, through the library's real data path.  This file makes the
 * series (every combination of code, FEC percent, K_max, frame size and
 * burst), runs every point (pf-loss-sweep-point.c) and hands the results
 * to the reports (pf-loss-sweep-report.c).
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

static size_t sweep_nx(const struct sweep_opts *o) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    return o->nperiods;
  case LM_PER_BLOCK:
    return o->nper_blocks;
  default:
    return o->nlosses;
  }
}

static void point_model(const struct sweep_opts *o, const struct series *se,
                        size_t xi, lm_model *m) {
  memset(m, 0, sizeof(*m));
  m->kind = o->model.kind;
  switch (m->kind) {
  case LM_PERIODIC:
    m->period = o->periods[xi];
    if (m->period == 0)
      m->kind = LM_NONE;
    break;
  case LM_PER_BLOCK:
    m->per_block = o->per_blocks[xi];
    break;
  default:
    m->p = o->losses[xi];
    m->burst = se->burst;
    break;
  }
}

/* The nominal loss of point |xi| in percent (per-block: the count). */
double point_x(const struct sweep_opts *o, size_t xi) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    return o->periods[xi] ? 100.0 / o->periods[xi] : 0.0;
  case LM_PER_BLOCK:
    return o->per_blocks[xi];
  default:
    return o->losses[xi] * 100.0;
  }
}

void point_label(const struct sweep_opts *o, size_t xi, char *buf,
                        size_t len) {
  switch (o->model.kind) {
  case LM_PERIODIC:
    if (o->periods[xi] == 0)
      snprintf(buf, len, "none");
    else
      snprintf(buf, len, "%u", o->periods[xi]);
    break;
  case LM_PER_BLOCK:
    snprintf(buf, len, "%u", o->per_blocks[xi]);
    break;
  default:
    snprintf(buf, len, "%g%%", o->losses[xi] * 100.0);
    break;
  }
}

const char *code_upper(uint32_t c) {
  return c == PF_FEC_GF16 ? "GF16" : "GF8";
}

const char *code_lower(uint32_t c) {
  return cli_fec_scheme_name(c);
}

static int make_series(struct sweep *sw) {
  const struct sweep_opts *o = sw->o;
  size_t a, b, c, d, e, n = 0;

  sw->nse = o->ncodes * o->nfecs * o->nkmaxs * o->nframe_sizes * o->nbursts;
  sw->se = calloc(sw->nse, sizeof(*sw->se));
  if (!sw->se)
    return -1;
  for (a = 0; a < o->nfecs; a++)
    for (b = 0; b < o->nkmaxs; b++)
      for (c = 0; c < o->nframe_sizes; c++)
        for (d = 0; d < o->nbursts; d++)
          for (e = 0; e < o->ncodes; e++) {
            struct series *s = &sw->se[n++];
            int l;
            s->fec_scheme = o->codes[e];
            s->fec = o->fecs[a];
            s->kmax = o->kmaxs[b];
            s->frame_size = o->frame_sizes[c];
            s->burst = o->bursts[d];
            l = snprintf(s->label, sizeof(s->label), "%s",
                         code_upper(s->fec_scheme));
            if (o->nfecs > 1)
              l += snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                            " fec %u%%", s->fec);
            if (o->nkmaxs > 1)
              l += snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                            " k %u", s->kmax);
            if (o->nframe_sizes > 1)
              l += snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                            " %u B", s->frame_size);
            if (o->nbursts > 1)
              snprintf(s->label + l, sizeof(s->label) - (size_t)l,
                       " burst %g", s->burst);
            l = (int)strlen(code_upper(s->fec_scheme));
            snprintf(s->nocode, sizeof(s->nocode), "%s",
                     s->label[l] ? s->label + l + 1 : "");
          }
  return 0;
}

/* Refuses series the code cannot carry, before any work. */
static int check_series(const struct sweep *sw) {
  size_t i;

  for (i = 0; i < sw->nse; i++) {
    const struct series *s = &sw->se[i];
    uint32_t ceiling = s->fec_scheme == PF_FEC_GF16 ? PF_FEC16_MAX_SHARDS
                                              : PF_FEC8_MAX_SHARDS;
    pf_geometry g;
    int rv;

    /* One full block: m_asked is the share's parity before the code's
     * clamp. */
    g.struct_size = sizeof(g);
    rv = pf_geometry_for(&g, (size_t)s->kmax * sw->o->shard_size,
                         sw->o->shard_size, s->kmax, s->fec, s->fec_scheme);
    if (rv != 0) {
      cli_error("sweep: no frame geometry for %s: %s", s->label,
                pf_strerror(rv));
      return -1;
    }
    if ((uint64_t)g.k_full + g.m_asked > ceiling) {
      cli_error("sweep: %u data shards per block with %u%% FEC need %" PRIu64
                " shards, more than %s allows (%u)",
                s->kmax, s->fec, (uint64_t)g.k_full + g.m_asked,
                code_lower(s->fec_scheme), ceiling);
      return -1;
    }
  }
  return 0;
}

static void progress(size_t done, size_t total) {
  const int width = 30;
  int fill = total ? (int)(done * (size_t)width / total) : width;

  fprintf(stderr, "\r%s: sweep [%.*s%.*s] %zu/%zu points", cli_prog, fill,
          "##############################", width - fill,
          "..............................", done, total);
  if (done == total)
    fputs("\r\033[K", stderr);
  fflush(stderr);
}

int loss_sweep(const struct sweep_opts *o) {
  struct sweep sw;
  size_t s, x, done = 0;
  uint64_t violations = 0;
  int show = !o->quiet && isatty(STDERR_FILENO);
  int rv = CLI_EXIT_FAIL;

  memset(&sw, 0, sizeof(sw));
  sw.o = o;
  sw.nx = sweep_nx(o);
  if (make_series(&sw) != 0) {
    cli_error("sweep: out of memory");
    return CLI_EXIT_FAIL;
  }
  if (check_series(&sw) != 0) {
    free(sw.se);
    return CLI_EXIT_USAGE;
  }
  sw.res = calloc(sw.nse * sw.nx, sizeof(*sw.res));
  if (!sw.res) {
    cli_error("sweep: out of memory");
    goto out;
  }
  for (x = 0; x < sw.nx; x++)
    for (s = 0; s < sw.nse; s++) {
      lm_model m;
      /* Common random numbers: every series sees the same loss pattern
       * at a point, so the columns compare the codes, not the luck. */
      point_model(o, &sw.se[s], x, &m);
      if (sweep_run_point(o, &sw.se[s], &m, lm_seed_mix(o->seed, x),
                    &sw.res[s * sw.nx + x]) != 0) {
        if (show)
          fputs("\n", stderr);
        goto out;
      }
      violations += sw.res[s * sw.nx + x].violations;
      if (show)
        progress(++done, sw.nse * sw.nx);
    }
  if (o->format == FMT_CSV)
    sweep_print_csv(&sw);
  else if (o->format == FMT_JSON)
    sweep_print_json(&sw, violations);
  else
    sweep_print_table(&sw);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("sweep: cannot write standard output: %s", strerror(errno));
    goto out;
  }
  if (o->plot && sweep_write_plot(&sw) != 0)
    goto out;
  if (o->expect_mds) {
    if (violations > 0) {
      for (s = 0; s < sw.nse; s++)
        for (x = 0; x < sw.nx; x++) {
          const struct result *r = &sw.res[s * sw.nx + x];
          char lab[64];
          if (!r->violations)
            continue;
          point_label(o, x, lab, sizeof(lab));
          cli_error("sweep: MDS property violated: %s at %s %s: %" PRIu64
                    " of %" PRIu64
                    " frames whose blocks all lost at most M shards were not "
                    "delivered intact (%" PRIu64 " corrupt, %" PRIu64
                    " datagrams dropped for the receiver's budget)",
                    sw.se[s].label, x_header(o->model.kind), lab,
                    r->violations, r->bound_frames, r->corrupt,
                    r->drop_budget);
        }
      goto out;
    }
    if (!o->quiet)
      cli_error("sweep: MDS property holds: every frame whose blocks lost at "
                "most M shards was delivered intact (seed %" PRIu64 ")",
                o->seed);
  }
  rv = CLI_EXIT_OK;
out:
  free(sw.se);
  free(sw.res);
  return rv;
}
