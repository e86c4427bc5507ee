/*
 * recv_stats.c -- pf-recv's statistics: the JSON lines of --stats-json,
 * the status line on a terminal, the final summary and the diagnosis
 * when nothing usable arrived.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pf-recv.h"

void recv_out_stats(struct recv_state *s, struct ro_stats *os) {
  if (s->out_closed)
    *os = s->out_final;
  else if (s->out)
    ro_get_stats(s->out, os);
  else
    memset(os, 0, sizeof(*os));
}

void recv_rstats(const pf_receiver *r, pf_receiver_stats *rs) {
  memset(rs, 0, sizeof(*rs));
  rs->struct_size = sizeof(*rs);
  if (pf_receiver_get_stats(r, rs) != 0)
    memset(rs, 0, sizeof(*rs));
}

static uint64_t geometry_drops(const pf_receiver_stats *rs) {
  return rs->drop_too_short + rs->drop_too_long + rs->drop_geometry +
         rs->drop_limits + rs->drop_bad_magic;
}

int recv_diagnose(const pf_receiver_stats *rs) {
  uint64_t geo = geometry_drops(rs);

  if (rs->packets_dropped == 0)
    return 0;
  if (rs->drop_auth >= geo && rs->drop_auth > 0) {
    cli_error("all %" PRIu64 " datagrams failed authentication: check "
              "--key-file (and --no-encrypt) on both sides",
              rs->packets_dropped);
    return 1;
  }
  if (geo > 0) {
    cli_error("all %" PRIu64 " datagrams dropped for geometry mismatch "
              "(%" PRIu64 " geometry, %" PRIu64 " too short, %" PRIu64
              " too long, %" PRIu64 " over limits, %" PRIu64
              " bad magic): check --shard-size/--mtu/--max-data-per-block/"
              "--fec/--fec-percent/--no-encrypt on both sides",
              rs->packets_dropped, rs->drop_geometry, rs->drop_too_short,
              rs->drop_too_long, rs->drop_limits, rs->drop_bad_magic);
    return 1;
  }
  cli_error("all %" PRIu64 " datagrams were dropped (replay %" PRIu64
            ", other run %" PRIu64 ", far ahead %" PRIu64 ", budget %" PRIu64
            ", stale %" PRIu64 ")",
            rs->packets_dropped, rs->drop_replay, rs->drop_other_run,
            rs->drop_far_ahead, rs->drop_budget, rs->drop_stale);
  return 1;
}

uint64_t recv_frames_lost(struct recv_state *s, const struct ro_stats *os) {
  uint64_t got = os->frames + s->overrun;

  if (!s->got_end)
    return s->lost_reported + s->skipped;
  /* Frames still queued are not lost (yet). */
  got += os->queued_frames;
  return s->end.frames > got ? s->end.frames - got : 0;
}

void recv_stats_emit(struct recv_state *s, const pf_receiver *r, pf_udp *u,
                     int final) {
  pf_receiver_stats rs;
  pf_udp_stats us;
  struct ro_stats os;
  uint64_t now = pf_clock_now_ns(), lost;
  double el, rate, inst;
  char rb[32];

  recv_rstats(r, &rs);
  recv_out_stats(s, &os);
  lost = recv_frames_lost(s, &os);
  memset(&us, 0, sizeof(us));
  us.struct_size = sizeof(us);
  if (pf_udp_get_stats(u, &us) != 0)
    memset(&us, 0, sizeof(us));
  cli_meter_rates(&s->m, now, rs.bytes_received, &el, &rate, &inst);
  if (s->m.json) {
    fprintf(s->m.json,
            "{\"ts\":%.3f,\"tool\":\"pf-recv\",\"final\":%s,"
            "\"elapsed_s\":%.3f,\"frames\":%" PRIu64 ",\"bytes_out\":%" PRIu64
            ",\"frames_expected\":%" PRId64 ",\"frames_lost\":%" PRIu64
            ",\"frames_overrun\":%" PRIu64 ",\"bytes_overrun\":%" PRIu64
            ",\"queue_frames\":%" PRIu64 ",\"queue_bytes\":%" PRIu64
            ",\"queue_peak_bytes\":%" PRIu64 ",\"buffer_bytes\":%" PRIu64
            ",\"output_stalls\":%" PRIu64 ",\"output_stall_s\":%.3f"
            ",\"end_seen\":%s,\"datagrams\":%" PRIu64 ",\"accepted\":%" PRIu64
            ",\"bytes_received\":%" PRIu64 ",\"rate_bps\":%.0f"
            ",\"fec_recovered\":%" PRIu64 ",\"fec_late\":%" PRIu64
            ",\"late_frames\":%" PRIu64 ",\"skipped_frames\":%" PRIu64
            ",\"dropped\":%" PRIu64 ",\"drops\":{\"too_short\":%" PRIu64
            ",\"too_long\":%" PRIu64 ",\"bad_magic\":%" PRIu64
            ",\"geometry\":%" PRIu64 ",\"limits\":%" PRIu64
            ",\"stale\":%" PRIu64 ",\"duplicate\":%" PRIu64 ",\"late\":%" PRIu64
            ",\"replay\":%" PRIu64 ",\"other_run\":%" PRIu64
            ",\"far_ahead\":%" PRIu64 ",\"auth\":%" PRIu64 ",\"budget\":%" PRIu64
            ",\"fec\":%" PRIu64 ",\"nomem\":%" PRIu64
            "},\"window_resyncs\":%" PRIu64 ",\"rx_truncated\":%" PRIu64
            ",\"backend\":\"%s\"}\n",
            cli_wallclock(), final ? "true" : "false", el, os.frames,
            os.bytes, s->got_end ? (int64_t)s->end.frames : (int64_t)-1,
            lost, os.overrun_frames, os.overrun_bytes, os.queued_frames,
            os.queued_bytes, os.peak_bytes, os.buffer_bytes, os.stalls,
            (double)os.stall_ns / 1e9, s->got_end ? "true" : "false",
            s->raw_datagrams, s->accepted, rs.bytes_received,
            final ? rate : inst, rs.fec_recovered_shards, rs.fec_late_shards,
            rs.order_late_frames, rs.order_skipped_frames, rs.packets_dropped,
            rs.drop_too_short, rs.drop_too_long, rs.drop_bad_magic,
            rs.drop_geometry, rs.drop_limits, rs.drop_stale,
            rs.drop_duplicate, rs.drop_late, rs.drop_replay,
            rs.drop_other_run, rs.drop_far_ahead, rs.drop_auth,
            rs.drop_budget, rs.drop_fec, rs.drop_nomem, rs.window_resyncs,
            us.rx_truncated, us.backend ? us.backend : "?");
    fflush(s->m.json);
  }
  if (final && !s->m.quiet) {
    cli_format_rate(rate, rb, sizeof(rb));
    if (s->m.tty)
      fputs("\r\033[K", stderr);
    fprintf(stderr,
            "%s: wrote %" PRIu64 " frames, %" PRIu64 " bytes in %.2f s (%s)"
            "; %s%" PRIu64 " lost; %" PRIu64
            " output overrun; output queue peak %" PRIu64
            " of %" PRIu64 " bytes, %" PRIu64 " output stalls (%.2f s); %"
            PRIu64 " datagrams (%" PRIu64 " late or unneeded parity), %"
            PRIu64 " shards recovered by FEC, %" PRIu64
            " dropped (auth %" PRIu64 ", geometry %" PRIu64
            ", duplicate %" PRIu64 ", other run %" PRIu64 ", far ahead %"
            PRIu64 ", other %" PRIu64 ")\n",
            cli_prog, os.frames, os.bytes, el, rb,
            s->got_end ? "" : "end of stream not seen, ", lost,
            os.overrun_frames, os.peak_bytes, os.buffer_bytes, os.stalls,
            (double)os.stall_ns / 1e9, s->raw_datagrams, rs.drop_late,
            rs.fec_recovered_shards - rs.fec_late_shards,
            rs.packets_dropped - rs.drop_late, rs.drop_auth,
            geometry_drops(&rs), rs.drop_duplicate, rs.drop_other_run,
            rs.drop_far_ahead,
            rs.packets_dropped - rs.drop_auth - geometry_drops(&rs) -
                rs.drop_late - rs.drop_duplicate - rs.drop_other_run -
                rs.drop_far_ahead);
  } else if (!final && s->m.tty) {
    cli_format_rate(inst, rb, sizeof(rb));
    fprintf(stderr,
            "\r\033[K%s: %s  frames %" PRIu64 "  lost %" PRIu64
            "  overrun %" PRIu64 "  queue %" PRIu64 " KiB  fec %" PRIu64
            "  drops %" PRIu64 " (auth %" PRIu64 " geometry %" PRIu64 ")",
            cli_prog, rb, os.frames, lost, os.overrun_frames,
            os.queued_bytes / 1024, rs.fec_recovered_shards - rs.fec_late_shards,
            rs.packets_dropped - rs.drop_late, rs.drop_auth,
            geometry_drops(&rs));
  }
}
