/** What `BatchServer.stats()` reports. */
export interface ServerStats {
  /** Clients streaming now. */
  clients: number;
  /** Bytes queued in user space for all clients now (HTTP `writableLength`, WebSocket `bufferedAmount`). */
  bufferedBytes: number;
  /** The largest `bufferedBytes` seen, sampled after each frame is queued. */
  maxBufferedBytes: number;
}

/**
 * Sums the bytes the server has queued for its clients, the quantity backpressure bounds:
 * without it a slow client would make this grow to the size of the whole stream.
 */
export class BufferMeter {
  private readonly clients = new Set<() => number>();
  private max = 0;

  /** Counts a client whose queued bytes `buffered()` reports; returns the function that stops counting it. */
  add(buffered: () => number): () => void {
    this.clients.add(buffered);
    return () => void this.clients.delete(buffered);
  }

  /** Samples the queued bytes now and keeps the maximum. */
  sample(): number {
    let total = 0;
    for (const buffered of this.clients) total += buffered();
    this.max = Math.max(this.max, total);
    return total;
  }

  /** The current counts. */
  stats(): ServerStats {
    const bufferedBytes = this.sample();
    return { clients: this.clients.size, bufferedBytes, maxBufferedBytes: this.max };
  }
}
