package io.signstream.stream.monitoring;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the monitor remembers per key between windows (state store {@code monitor-drift}): the
 * reference, the last windows (to pool a pinned reference from), the alert hysteresis and the late
 * records not yet reported. Mutable, not thread-safe.
 */
final class DriftState {

  private static final int FORMAT = 1;

  /** How the reference was formed, as published in {@code DriftScore.reference}. */
  enum ReferenceKind {
    FIRST_WINDOWS("first-windows"), PINNED("pinned");

    final String label;

    ReferenceKind(String label) {
      this.label = label;
    }
  }

  /** One closed window kept for pinning. */
  record Recent(long windowEnd, MapMoments moments) {}

  MapMoments reference = new MapMoments();
  int referenceWindows;
  ReferenceKind referenceKind = ReferenceKind.FIRST_WINDOWS;
  final Deque<Recent> recent = new ArrayDeque<>();
  boolean driftAlerting;
  int driftCalm;
  boolean disagreementAlerting;
  int disagreementCalm;
  long appliedPinAt = Long.MIN_VALUE;
  long lateDropped;

  /** Whether the reference is complete (learned from enough windows, or pinned). */
  boolean referenceReady(int needed) {
    return referenceKind == ReferenceKind.PINNED ? referenceWindows > 0 : referenceWindows >= needed;
  }

  /** Keeps a closed window, dropping the oldest beyond {@code keep}. */
  void remember(long windowEnd, MapMoments moments, int keep) {
    recent.addLast(new Recent(windowEnd, moments.copy()));
    while (recent.size() > keep) {
      recent.removeFirst();
    }
  }

  /**
   * Makes the remembered windows that ended at or before {@code pinnedAt} the reference; when none
   * did, the reference is learned afresh from the next windows.
   */
  void pin(long pinnedAt) {
    reference = new MapMoments();
    referenceWindows = 0;
    for (Recent r : recent) {
      if (r.windowEnd() <= pinnedAt) {
        reference.merge(r.moments());
        referenceWindows++;
      }
    }
    referenceKind = referenceWindows > 0 ? ReferenceKind.PINNED : ReferenceKind.FIRST_WINDOWS;
    appliedPinAt = pinnedAt;
    driftAlerting = false;
    driftCalm = 0;
  }

  byte[] toBytes() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(FORMAT);
      reference.write(out);
      out.writeInt(referenceWindows);
      out.writeByte(referenceKind.ordinal());
      out.writeInt(recent.size());
      for (Recent r : recent) {
        out.writeLong(r.windowEnd());
        r.moments().write(out);
      }
      out.writeBoolean(driftAlerting);
      out.writeInt(driftCalm);
      out.writeBoolean(disagreementAlerting);
      out.writeInt(disagreementCalm);
      out.writeLong(appliedPinAt);
      out.writeLong(lateDropped);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DriftState fromBytes(byte[] bytes) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      int format = in.readByte();
      if (format != FORMAT) {
        throw new IOException("unknown drift state format " + format);
      }
      DriftState s = new DriftState();
      s.reference = MapMoments.read(in);
      s.referenceWindows = in.readInt();
      s.referenceKind = ReferenceKind.values()[in.readByte()];
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        long end = in.readLong();
        s.recent.addLast(new Recent(end, MapMoments.read(in)));
      }
      s.driftAlerting = in.readBoolean();
      s.driftCalm = in.readInt();
      s.disagreementAlerting = in.readBoolean();
      s.disagreementCalm = in.readInt();
      s.appliedPinAt = in.readLong();
      s.lateDropped = in.readLong();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
