/*
 * pf-loss-relay-stats.c -- what `pf-loss relay` reports: how late
 * datagrams left against their due time, and the counters as one JSON
 * object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss-relay.h"

/* Counts how late a datagram leaves against its due time. */
void relay_note_late(struct relay *r, uint64_t due, uint64_t now) {
  uint64_t ns = now - due, us = ns / 1000u;

  r->late[us < LATE_BUCKETS - 1 ? us : LATE_BUCKETS - 1]++;
  r->late_n++;
  if (ns > r->late_max_ns)
    r->late_max_ns = ns;
}

static void dir_json(FILE *f, const char *name, const struct dir_stats *s,
                     const struct chan_stats *c, int impaired) {
  fprintf(f,
          "\"%s\":{\"impaired\":%s,\"received\":%" PRIu64
          ",\"bytes_received\":%" PRIu64 ",\"forwarded\":%" PRIu64
          ",\"bytes_forwarded\":%" PRIu64 ",\"lost\":%" PRIu64
          ",\"blackout\":%" PRIu64 ",\"duplicated\":%" PRIu64
          ",\"reordered\":%" PRIu64 ",\"delayed\":%" PRIu64
          ",\"rate_dropped\":%" PRIu64 ",\"queue_dropped\":%" PRIu64
          ",\"send_dropped\":%" PRIu64 ",\"send_errors\":%" PRIu64
          ",\"no_client\":%" PRIu64 ",\"pending_at_exit\":%" PRIu64 "}",
          name, impaired ? "true" : "false", s->received, s->bytes_received,
          s->forwarded, s->bytes_forwarded, c->lost, c->blackout,
          c->duplicated, c->reordered, c->delayed, c->rate_dropped,
          c->queue_dropped, s->send_dropped, s->send_errors, s->no_client,
          s->pending_at_exit);
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    if ((unsigned char)*s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

/* The smallest whole us that at least |q| of the datagrams were not later
 * than (0 when nothing was forwarded from the queue). */
static uint64_t late_quantile(const struct relay *r, double q) {
  uint64_t want = (uint64_t)((double)r->late_n * q), acc = 0;
  size_t i;

  if (r->late_n == 0)
    return 0;
  if (want >= r->late_n)
    want = r->late_n - 1;
  for (i = 0; i < LATE_BUCKETS; i++) {
    acc += r->late[i];
    if (acc > want)
      return i + 1;
  }
  return LATE_BUCKETS;
}

int relay_write_stats(const struct relay *r, uint64_t end, const char *why) {
  const struct relay_opts *o = r->o;
  FILE *f = stdout;

  if (o->stats_json) {
    f = fopen(o->stats_json, "w");
    if (!f) {
      cli_error("relay: cannot create '%s': %s", o->stats_json,
                strerror(errno));
      return -1;
    }
  }
  fprintf(f, "{\"tool\":\"pf-loss relay\",\"version\":\"%s\",\"seed\":%" PRIu64
             ",\"listen\":",
          pf_version(), o->seed);
  json_str(f, o->listen);
  fputs(",\"target\":", f);
  json_str(f, o->to);
  fputs(",\"client\":", f);
  if (r->have_client)
    json_str(f, r->client);
  else
    fputs("null", f);
  fprintf(f,
          ",\"model\":\"%s\",\"loss\":%g,\"burst\":%g,\"period\":%u,"
          "\"delay_ms\":%g,\"jitter_ms\":%g,\"reorder\":%g,"
          "\"reorder_delay_ms\":%g,\"duplicate\":%g,"
          "\"rate_bps\":%" PRIu64 ",\"wake_early_us\":%" PRIu64
          ",\"elapsed_s\":%.3f,\"stopped_by\":\"%s\",",
          lm_kind_name(o->model.kind), o->model.p, o->model.burst,
          o->model.period, (double)o->delay_ns / 1e6,
          (double)o->jitter_ns / 1e6, o->reorder,
          (double)o->reorder_delay_ns / 1e6, o->duplicate, o->rate_bps,
          o->wake_early_ns / 1000u, (double)(end - r->start) / 1e9, why);
  dir_json(f, "to", &r->d[0], channel_stats(&r->ch, 0), !!(o->dir & DIR_TO));
  fputc(',', f);
  dir_json(f, "from", &r->d[1], channel_stats(&r->ch, 1),
           !!(o->dir & DIR_FROM));
  fprintf(f,
          ",\"late_us\":{\"forwarded\":%" PRIu64 ",\"p50\":%" PRIu64
          ",\"p99\":%" PRIu64 ",\"p999\":%" PRIu64 ",\"max\":%.1f}}\n",
          r->late_n, late_quantile(r, 0.5), late_quantile(r, 0.99),
          late_quantile(r, 0.999), (double)r->late_max_ns / 1e3);
  if (f != stdout) {
    if (fclose(f) != 0) {
      cli_error("relay: cannot write '%s': %s", o->stats_json,
                strerror(errno));
      return -1;
    }
  } else if (fflush(f) != 0) {
    cli_error("relay: cannot write standard output: %s", strerror(errno));
    return -1;
  }
  return 0;
}
