package io.signstream.stream.reliability;

import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.Explanation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every request sent in a scenario must end in, and the exact reconciliation of that against
 * what a read_committed consumer read: one explanation per (event id, method) of each valid request,
 * one dead letter with the right code and the original bytes for each malformed one, nothing else.
 * Thread-safe for recording.
 */
final class Ledger {

  /** A dead letter the ledger expects. */
  record ExpectedDead(ErrorCode code, byte[] original, String method, String label) {}

  private final Map<String, Set<String>> maps = new LinkedHashMap<>();
  private final Map<String, ExpectedDead> dead = new LinkedHashMap<>();

  /** A valid request: one explanation per method. */
  synchronized void expectExplanations(String eventId, List<String> methods) {
    if (maps.put(eventId, new HashSet<>(methods)) != null) {
      throw new IllegalArgumentException("event id used twice in a scenario: " + eventId);
    }
  }

  /** A malformed request: one dead letter, with {@code key} as {@link #deadLetterKey} computes it. */
  synchronized void expectDeadLetter(String key, ErrorCode code, byte[] original, String method, String label) {
    if (dead.put(key, new ExpectedDead(code, original, method, label)) != null) {
      throw new IllegalArgumentException("dead letter expected twice: " + key);
    }
  }

  synchronized int expectedMaps() {
    return maps.values().stream().mapToInt(Set::size).sum();
  }

  synchronized int expectedDeadLetters() {
    return dead.size();
  }

  synchronized int requests() {
    return maps.size() + dead.size();
  }

  /**
   * How a dead letter is matched to its request: the event id when the request could be decoded,
   * else a digest of the original bytes, else (a tombstone) the record key.
   */
  static String deadLetterKey(String eventId, byte[] original, byte[] recordKey) {
    if (eventId != null) {
      return "event:" + eventId;
    }
    if (original != null) {
      return "bytes:" + digest(original);
    }
    return "key:" + (recordKey == null ? "null" : new String(recordKey, StandardCharsets.UTF_8));
  }

  static String deadLetterKey(DeadLetter d) {
    if (d.getTruncated() && d.getEventId() == null) {
      // a truncated letter names its whole value by SHA-256, the digest this ledger keys bytes by
      return "bytes:" + d.getOriginalSha256();
    }
    return deadLetterKey(d.getEventId(), bytes(d.getOriginalValue()), bytes(d.getSourceKey()));
  }

  /** Whether a dead letter carries {@code original}: whole, or (truncated) its prefix, length and SHA-256. */
  static boolean carries(DeadLetter d, byte[] original) {
    byte[] kept = bytes(d.getOriginalValue());
    if (!d.getTruncated()) {
      return Arrays.equals(original, kept);
    }
    return original != null && kept != null && d.getOriginalLength() == original.length
        && Arrays.equals(Arrays.copyOf(original, kept.length), kept) && digest(original).equals(d.getOriginalSha256());
  }

  /** Compares what was read with what was expected. */
  synchronized Reconciliation reconcile(List<Explanation> explanations, List<DeadLetter> deadLetters) {
    Map<String, Integer> seen = new HashMap<>();
    List<String> problems = new ArrayList<>();
    int unexpectedMaps = 0;
    for (Explanation e : explanations) {
      String pair = e.getEventId() + "/" + e.getMethod();
      seen.merge(pair, 1, Integer::sum);
      Set<String> methods = maps.get(e.getEventId());
      if (methods == null || !methods.contains(e.getMethod())) {
        unexpectedMaps++;
        problems.add("unexpected explanation " + pair);
      }
    }
    int lostMaps = 0;
    for (Map.Entry<String, Set<String>> m : maps.entrySet()) {
      for (String method : m.getValue()) {
        if (!seen.containsKey(m.getKey() + "/" + method)) {
          lostMaps++;
          if (lostMaps <= 5) {
            problems.add("lost explanation " + m.getKey() + "/" + method);
          }
        }
      }
    }
    int duplicatedMaps = seen.values().stream().mapToInt(n -> n - 1).sum();
    Map<String, Integer> seenDead = new HashMap<>();
    int unexpectedDead = 0;
    for (DeadLetter d : deadLetters) {
      String key = deadLetterKey(d);
      seenDead.merge(key, 1, Integer::sum);
      ExpectedDead want = dead.get(key);
      if (want == null) {
        unexpectedDead++;
        problems.add("unexpected dead letter " + key + " " + d.getErrorCode() + ": " + d.getReason());
        continue;
      }
      if (want.code() != d.getErrorCode()) {
        problems.add(want.label() + ": dead letter code " + d.getErrorCode() + ", expected " + want.code() + " ("
            + d.getReason() + ")");
      }
      if (!carries(d, want.original())) {
        problems.add(want.label() + ": dead letter does not carry the original bytes");
      }
      if (want.method() != null && !want.method().equals(d.getMethod())) {
        problems.add(want.label() + ": dead letter names method " + d.getMethod() + ", expected " + want.method());
      }
    }
    int lostDead = 0;
    for (Map.Entry<String, ExpectedDead> d : dead.entrySet()) {
      if (!seenDead.containsKey(d.getKey())) {
        lostDead++;
        problems.add("lost dead letter for " + d.getValue().label());
      }
    }
    int duplicatedDead = seenDead.values().stream().mapToInt(n -> n - 1).sum();
    return new Reconciliation(requests(), expectedMaps(), explanations.size(), lostMaps, duplicatedMaps,
        unexpectedMaps, dead.size(), deadLetters.size(), lostDead, duplicatedDead, unexpectedDead, problems);
  }

  static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static String digest(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The outcome of a reconciliation; {@link #exact()} when nothing was lost, repeated, unexpected or wrong. */
  record Reconciliation(int requests, int expectedMaps, int readMaps, int lostMaps, int duplicatedMaps,
      int unexpectedMaps, int expectedDead, int readDead, int lostDead, int duplicatedDead, int unexpectedDead,
      List<String> problems) {

    boolean exact() {
      return problems.isEmpty() && lostMaps == 0 && duplicatedMaps == 0 && unexpectedMaps == 0 && lostDead == 0
          && duplicatedDead == 0 && unexpectedDead == 0 && readMaps == expectedMaps && readDead == expectedDead;
    }

    @Override
    public String toString() {
      return String.format("%d requests: explanations %d/%d (lost %d, duplicated %d, unexpected %d), dead letters"
          + " %d/%d (lost %d, duplicated %d, unexpected %d)%s", requests, readMaps, expectedMaps, lostMaps,
          duplicatedMaps, unexpectedMaps, readDead, expectedDead, lostDead, duplicatedDead, unexpectedDead,
          problems.isEmpty() ? "" : "; problems: " + problems.subList(0, Math.min(10, problems.size())));
    }
  }

  @Override
  public synchronized String toString() {
    return "Ledger[" + requests() + " requests, " + expectedMaps() + " maps, " + dead.size() + " dead letters]";
  }
}
