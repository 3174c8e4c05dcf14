package io.signstream.stream.worker;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded cache of closeable values (loaded models) that closes the least recently used one when
 * full. Not thread-safe: one per worker instance, like the values it holds.
 *
 * @param <K> key
 * @param <V> value, closed on eviction and on {@link #close()}
 */
public final class LruCache<K, V extends AutoCloseable> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LruCache.class);

  /** Makes a value for a key that is not cached. */
  @FunctionalInterface
  public interface Loader<K, V> {
    /** Loads the value of {@code key}. */
    V load(K key) throws Exception;
  }

  private final int capacity;
  private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);

  /** A cache holding at most {@code capacity} values. */
  public LruCache(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  /** The cached value of {@code key}, loading it (and evicting the eldest) if needed. */
  public V get(K key, Loader<K, V> loader) throws Exception {
    V v = entries.get(key);
    if (v != null) {
      return v;
    }
    v = loader.load(key);
    while (entries.size() >= capacity) {
      Iterator<Map.Entry<K, V>> eldest = entries.entrySet().iterator();
      Map.Entry<K, V> e = eldest.next();
      eldest.remove();
      closeQuietly(e.getKey(), e.getValue());
    }
    entries.put(key, v);
    return v;
  }

  /** Drops and closes the value of {@code key}, e.g. after it failed in a way that may have broken it. */
  public void evict(K key) {
    V v = entries.remove(key);
    if (v != null) {
      closeQuietly(key, v);
    }
  }

  /** Number of cached values. */
  public int size() {
    return entries.size();
  }

  /** Whether {@code key} is cached (does not count as a use). */
  public boolean contains(K key) {
    return entries.containsKey(key);
  }

  /** Closes every value. */
  @Override
  public void close() {
    entries.forEach(LruCache::closeQuietly);
    entries.clear();
  }

  private static <K> void closeQuietly(K key, AutoCloseable value) {
    try {
      value.close();
    } catch (Exception e) {
      LOG.warn("closing cached {} failed: {}", key, e.toString());
    }
  }
}
