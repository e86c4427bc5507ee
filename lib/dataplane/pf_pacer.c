/*
 * pf_pacer.c -- see pf_pacer.h.
 *
 * The original host (punktfunk-host send_pacing.rs) sends the burst,
 * then chunk j of the overflow and sleeps until start + budget*(j+1)/steps.
 * Here the same instants become due times: chunk j is due at
 * start + budget*j/steps, so chunk 0 leaves with the burst and the AU
 * ends (the sender is free for the next AU) at start + budget.  The
 * original's 500 us sleep floor is a property of sleeping threads, not of
 * the schedule, and is left to the caller's timer.
 */
#include "dataplane/pf_pacer.h"

uint64_t pf_pacer_auto_burst(uint64_t rate_bps) {
  /* rate * 10 ms / 8 bits = rate / 800 bytes. */
  uint64_t b = rate_bps / 800u;

  if (b < PF_PACE_BURST_MIN)
    return PF_PACE_BURST_MIN;
  if (b > PF_PACE_BURST_MAX)
    return PF_PACE_BURST_MAX;
  return b;
}

void pf_pacer_init(pf_pacer *p, uint64_t rate_bps, uint64_t burst_bytes,
                   uint64_t max_spread_ns, uint32_t chunk) {
  p->rate_bps = rate_bps;
  p->burst_bytes = burst_bytes ? burst_bytes : pf_pacer_auto_burst(rate_bps);
  p->max_spread_ns = max_spread_ns == 0 || max_spread_ns > PF_PACE_MAX_SPREAD_NS
                         ? PF_PACE_MAX_SPREAD_NS
                         : max_spread_ns;
  p->chunk = chunk ? chunk : PF_PACE_DEFAULT_CHUNK;
  p->busy_until = 0;
  p->have_prev = 0;
}

uint64_t pf_pacer_schedule(pf_pacer *p, uint64_t now, size_t n,
                           size_t dgram_bytes, uint64_t *due) {
  uint64_t t0 = now > p->busy_until ? now : p->busy_until;
  uint64_t nburst, over, steps, budget, bits, j;
  size_t i;

  /* Back to back with the previous AU: continue its schedule, so what
   * the caller did in between does not cost rate. */
  if (p->rate_bps && p->have_prev && now > p->busy_until &&
      now - p->busy_until <= PF_PACE_CONTINUE_NS)
    t0 = p->busy_until;
  p->have_prev = 1;

  if (p->rate_bps == 0 || n == 0 || dgram_bytes == 0) {
    for (i = 0; i < n; i++)
      due[i] = t0;
    p->busy_until = t0;
    return t0;
  }
  /* The datagram that crosses the burst limit still goes with it:
   * datagram i is in the burst while the bytes before it are < burst. */
  nburst = (p->burst_bytes + dgram_bytes - 1) / dgram_bytes;
  if (nburst == 0)
    nburst = 1;
  if (nburst > n)
    nburst = n;
  for (i = 0; i < nburst; i++)
    due[i] = t0;
  over = n - nburst;
  if (over == 0) {
    p->busy_until = t0;
    return t0;
  }
  /* budget = overflow bits / rate, capped; guard the multiplications. */
  if (over > UINT64_MAX / 8u / dgram_bytes) {
    budget = p->max_spread_ns;
  } else {
    bits = over * dgram_bytes * 8u;
    if (bits > UINT64_MAX / 1000000000u)
      budget = p->max_spread_ns;
    else
      budget = bits * 1000000000u / p->rate_bps;
    if (budget > p->max_spread_ns)
      budget = p->max_spread_ns;
  }
  steps = (over + p->chunk - 1) / p->chunk;
  for (j = 0; j < steps; j++) {
    /* budget <= 1e8 and j < 2^40, so budget * j cannot overflow. */
    uint64_t t = t0 + budget * j / steps;
    uint64_t first = nburst + j * p->chunk;
    uint64_t last = first + p->chunk < n ? first + p->chunk : n;
    for (i = (size_t)first; i < (size_t)last; i++)
      due[i] = t;
  }
  p->busy_until = t0 + budget;
  return p->busy_until;
}
