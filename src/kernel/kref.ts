// include/linux/kref.h (chrdev-core §11).
export class Kref {
  refcount = 1;

  get(): void {
    if (this.refcount <= 0) throw new Error('kref_get on a released object');
    this.refcount++;
  }
  /** @returns 1 when this put released the object (release was called), else 0 */
  put(release: () => void): number {
    // a put on zero is a kernel bug, not user input: throw so the oops path reports it
    if (this.refcount <= 0) throw new Error('kref_put underflow');
    if (--this.refcount === 0) {
      release();
      return 1;
    }
    return 0;
  }
  read(): number {
    return this.refcount;
  }
}
