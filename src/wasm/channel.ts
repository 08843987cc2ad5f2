/** A message channel to or from a worker, the same shape on every platform. */
export interface Channel {
  post(msg: unknown): void;
  onMessage(fn: (msg: any) => void): void;
  onError(fn: (err: unknown) => void): void;
  terminate(): void;
}
