// The clock port: the service's only source of the time (the model takes time as an argument).
// Tests pass a fixed or stepping clock; jobline passes the system clock.

/** Returns the current time. */
export type Clock = () => Date;

/** The system clock. */
export const systemClock: Clock = () => new Date();
