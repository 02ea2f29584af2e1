// The events of one job among a session's: a script command (run, resume, batch) attached to
// `jobline serve` hears every job of the server, and must act on its own job's events only. Its
// job's id is known once the submission is answered, and the server's event stream may be faster
// than that answer: events heard before are held, then those of the job delivered, in order.

/** Lets through the events of one job, by id; holds them until the id is known. */
export class OwnJobEvents {
  private id: string | null = null;
  private readonly held: Array<{ jobId: string; deliver: () => void }> = [];

  /**
   * Runs `deliver` when `jobId` is the job's: now when the id is known, else when `open` names it
   * (in the order heard). An event of any other job is dropped.
   */
  pass(jobId: string, deliver: () => void): void {
    if (this.id === null) this.held.push({ jobId, deliver });
    else if (jobId === this.id) deliver();
  }

  /** Names the job (once): its held events are delivered, the others' dropped. */
  open(id: string): void {
    if (this.id !== null) return;
    this.id = id;
    for (const { jobId, deliver } of this.held.splice(0)) if (jobId === id) deliver();
  }
}
