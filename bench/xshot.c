/*
 * xshot: bench/app.sh's screen poller. Grabs an X screen's root window over and over (MIT-SHM
 * when the server has it, plain GetImage otherwise) and measures each frame the way the
 * wallboard proofs do (src-tauri/tests/it/wallboard/pixels.rs): in the top 80 % of the screen,
 * every 3rd pixel of every 3rd row, the share of pixels near the most common colour (`dominant`,
 * >= 0.97 is a blank frame) and the share of chromatic pixels (`chromatic`, channel spread > 40;
 * below 0.01 the frame is grey only: loading, half drawn or a splash).
 *
 * Built by bench/app.sh with `cc -O2 xshot.c -lX11 -lXext`. One line per frame on stdout:
 *   <grab start> <grab end> <dominant> <chromatic> <hash>
 * (times in epoch milliseconds, comparable with bash's $EPOCHREALTIME) and a hash of the sampled
 * pixels (equal hashes: the dashboard area did not change), then, when it stops,
 *   # frames <n> seconds <wall> cpu <user+system seconds of this process>
 *
 * Options:
 *   -d DISPLAY  the X display (default $DISPLAY)
 *   -i MS       pause between frames (default 0: back to back)
 *   -t SECONDS  stop after this long (default 60); with -u, exit status 2 when nothing painted
 *   -u SHARE    stop at the first painted frame: not blank, chromatic share >= SHARE
 *   -a MS       with -u, go on grabbing this long after that frame (it is kept with -f FILE)
 *   -f FILE     with -u, write the first painted frame to FILE (binary PPM)
 *   -s FILE     write the last frame measured to FILE (binary PPM)
 *   -b DIR      write blank / grey-only frames to DIR/bad-<n>.ppm (the first 10)
 * SIGTERM or SIGINT stops it cleanly (summary line and -s written).
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#define AREA 0.80
#define STRIDE 3
#define TOLERANCE 12
#define CHROMA 40
#define BLANK_SHARE 0.97
#define CHROMATIC_MIN 0.01
#define KEEP_BAD 10

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int shift_of(unsigned long mask) {
  int s = 0;
  if (!mask) return 0;
  while (!(mask & 1)) { mask >>= 1; s++; }
  return s;
}

struct frame {
  XImage *img;
  int rs, gs, bs;
};

static void rgb_at(const struct frame *f, int x, int y, int *r, int *g, int *b) {
  const XImage *img = f->img;
  uint32_t px = *(const uint32_t *)(img->data + (size_t)y * img->bytes_per_line + (size_t)x * 4);
  *r = (px >> f->rs) & 0xff;
  *g = (px >> f->gs) & 0xff;
  *b = (px >> f->bs) & 0xff;
}

/* dominant and chromatic shares of the frame's dashboard area, and an FNV-1a hash of it. */
static void measure(const struct frame *f, double *dominant, double *chromatic, uint64_t *hash) {
  static unsigned counts[4096];
  int w = f->img->width, rows = (int)(f->img->height * AREA);
  long total = 0, chroma = 0, near = 0;
  int r, g, b, x, y, fullest = 0;
  long sum[3] = {0, 0, 0}, n = 0;
  uint64_t h = 14695981039346656037ULL;
  memset(counts, 0, sizeof counts);
  for (y = 0; y < rows; y += STRIDE)
    for (x = 0; x < w; x += STRIDE) {
      int hi, lo;
      rgb_at(f, x, y, &r, &g, &b);
      counts[(r >> 4) << 8 | (g >> 4) << 4 | (b >> 4)]++;
      h = (h ^ (uint64_t)(r << 16 | g << 8 | b)) * 1099511628211ULL;
      hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
      lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
      if (hi - lo > CHROMA) chroma++;
      total++;
    }
  for (x = 1; x < 4096; x++)
    if (counts[x] > counts[fullest]) fullest = x;
  for (y = 0; y < rows; y += STRIDE)
    for (x = 0; x < w; x += STRIDE) {
      rgb_at(f, x, y, &r, &g, &b);
      if (((r >> 4) << 8 | (g >> 4) << 4 | (b >> 4)) == fullest) {
        sum[0] += r; sum[1] += g; sum[2] += b; n++;
      }
    }
  if (n == 0) n = 1;
  for (y = 0; y < rows; y += STRIDE)
    for (x = 0; x < w; x += STRIDE) {
      rgb_at(f, x, y, &r, &g, &b);
      if (abs(r - (int)(sum[0] / n)) <= TOLERANCE && abs(g - (int)(sum[1] / n)) <= TOLERANCE &&
          abs(b - (int)(sum[2] / n)) <= TOLERANCE)
        near++;
    }
  if (total == 0) total = 1;
  *dominant = (double)near / total;
  *chromatic = (double)chroma / total;
  *hash = h;
}

static int save_ppm(const struct frame *f, const char *path) {
  FILE *out = fopen(path, "wb");
  int x, y, r, g, b;
  if (!out) { perror(path); return -1; }
  fprintf(out, "P6\n%d %d\n255\n", f->img->width, f->img->height);
  for (y = 0; y < f->img->height; y++)
    for (x = 0; x < f->img->width; x++) {
      rgb_at(f, x, y, &r, &g, &b);
      putc(r, out); putc(g, out); putc(b, out);
    }
  return fclose(out);
}

int main(int argc, char **argv) {
  const char *display_name = NULL, *save = NULL, *save_first = NULL, *bad_dir = NULL;
  double interval_ms = 0, limit_s = 60, until = -1, after_ms = 0, painted_at = 0;
  int opt, use_shm, painted = 0, kept = 0;
  long frames = 0;
  Display *dpy;
  Window root;
  XWindowAttributes attrs;
  XShmSegmentInfo shm;
  struct frame f;
  double began, t0, t1, dominant = 0, chromatic = 0;
  uint64_t hash = 0;
  struct rusage ru;
  struct sigaction sa;

  while ((opt = getopt(argc, argv, "d:i:t:u:a:f:s:b:")) != -1) {
    switch (opt) {
    case 'd': display_name = optarg; break;
    case 'i': interval_ms = atof(optarg); break;
    case 't': limit_s = atof(optarg); break;
    case 'u': until = atof(optarg); break;
    case 'a': after_ms = atof(optarg); break;
    case 'f': save_first = optarg; break;
    case 's': save = optarg; break;
    case 'b': bad_dir = optarg; break;
    default:
      fprintf(stderr, "usage: %s [-d DISPLAY] [-i MS] [-t SECONDS] [-u SHARE [-a MS] [-f FILE]] [-s FILE] [-b DIR]\n", argv[0]);
      return 64;
    }
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);

  if (!(dpy = XOpenDisplay(display_name))) {
    fprintf(stderr, "xshot: cannot open display %s\n", display_name ? display_name : "$DISPLAY");
    return 1;
  }
  root = DefaultRootWindow(dpy);
  XGetWindowAttributes(dpy, root, &attrs);
  use_shm = XShmQueryExtension(dpy);
  if (use_shm) {
    f.img = XShmCreateImage(dpy, attrs.visual, attrs.depth, ZPixmap, NULL, &shm, attrs.width, attrs.height);
    shm.shmid = shmget(IPC_PRIVATE, (size_t)f.img->bytes_per_line * f.img->height, IPC_CREAT | 0600);
    shm.shmaddr = f.img->data = shmat(shm.shmid, NULL, 0);
    shm.readOnly = False;
    XShmAttach(dpy, &shm);
    XSync(dpy, False);
    shmctl(shm.shmid, IPC_RMID, NULL); /* freed once both sides detach */
  } else {
    f.img = XGetImage(dpy, root, 0, 0, attrs.width, attrs.height, AllPlanes, ZPixmap);
  }
  if (!f.img || f.img->bits_per_pixel != 32) {
    fprintf(stderr, "xshot: need a 24/32-bit screen\n");
    return 1;
  }
  f.rs = shift_of(f.img->red_mask ? f.img->red_mask : attrs.visual->red_mask);
  f.gs = shift_of(f.img->green_mask ? f.img->green_mask : attrs.visual->green_mask);
  f.bs = shift_of(f.img->blue_mask ? f.img->blue_mask : attrs.visual->blue_mask);

  began = now_ms();
  while (!stop && now_ms() - began < limit_s * 1000) {
    t0 = now_ms();
    if (use_shm) {
      XShmGetImage(dpy, root, f.img, 0, 0, AllPlanes);
    } else {
      XImage *img = XGetImage(dpy, root, 0, 0, attrs.width, attrs.height, AllPlanes, ZPixmap);
      if (img) { XDestroyImage(f.img); f.img = img; }
    }
    t1 = now_ms();
    measure(&f, &dominant, &chromatic, &hash);
    frames++;
    printf("%.3f %.3f %.4f %.4f %016llx\n", t0, t1, dominant, chromatic, (unsigned long long)hash);
    if (bad_dir && kept < KEEP_BAD && (dominant >= BLANK_SHARE || chromatic < CHROMATIC_MIN)) {
      char path[4096];
      snprintf(path, sizeof path, "%s/bad-%d.ppm", bad_dir, ++kept);
      save_ppm(&f, path);
    }
    if (until >= 0 && !painted && dominant < BLANK_SHARE && chromatic >= until) {
      painted = 1;
      painted_at = t1;
      if (save_first) save_ppm(&f, save_first);
    }
    if (painted && t1 - painted_at >= after_ms) break;
    if (interval_ms > 0) usleep((useconds_t)(interval_ms * 1000));
  }
  getrusage(RUSAGE_SELF, &ru);
  printf("# frames %ld seconds %.3f cpu %.3f\n", frames, (now_ms() - began) / 1000,
         ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  if (save && frames > 0) save_ppm(&f, save);
  return until >= 0 && !painted ? 2 : 0;
}
