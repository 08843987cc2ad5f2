// A kernel and a driver of your own: /dev/hello answers reads with a greeting set at insmod.
// Run: node examples/custom-driver.mjs   (after npm run build; in your project: import 'vchardev')
import { Kernel, O_RDONLY, defineModule, isErr, EFAULT } from 'vchardev';

const hello = defineModule({
  name: 'hello',
  params: { greeting: 'hi' },
  init(k, params) {
    const dev = k.allocChrdevRegion(0, 1, 'hello');
    if (dev < 0) return dev;
    const cdev = k.cdevAlloc({
      read(file, ubuf, count, cur) {
        const bytes = new TextEncoder().encode(`${params.greeting}\n`);
        if (file.pos >= bytes.length) return 0; // EOF after one greeting
        const n = Math.min(count, bytes.length - file.pos);
        if (cur.copyToUser(ubuf, bytes.subarray(file.pos), n)) return -EFAULT;
        file.pos += n;
        return n;
      },
    });
    k.cdevAdd(cdev, dev, 1);
    const cls = k.classCreate('hello');
    if (isErr(cls)) {
      k.cdevDel(cdev);
      k.unregisterChrdevRegion(dev, 1);
      return cls;
    }
    k.deviceCreate(cls, null, dev, null, 'hello', { mode: 0o444 });
    k.state = { dev, cdev, cls };
    return 0;
  },
  exit(k) {
    const { dev, cdev, cls } = k.state;
    k.classDestroy(cls);
    k.cdevDel(cdev);
    k.unregisterChrdevRegion(dev, 1);
  },
});

const kernel = await Kernel.boot();
await kernel.insmod(hello, { greeting: 'hello from a virtual char device' });
const user = kernel.spawn({ uid: 1000 });
console.log((await user.readFile('/dev/hello')).trim());
console.log((await user.readFile('/sys/class/hello/hello/dev')).trim(), '(major:minor)');
try {
  await user.open('/dev/hello', 1 /* O_WRONLY */);
} catch (e) {
  console.log(`open for writing as uid 1000: ${e.code}`);
}
await user.exit();
await kernel.rmmod('hello');
await kernel.shutdown();
void O_RDONLY;
