package io.signstream.stream.topology;

import io.signstream.schemas.DType;
import io.signstream.schemas.Engines;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import io.signstream.schemas.TensorCodecException;
import io.signstream.stream.config.ValidationLimits;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a decoded request against the model registry and the size bounds, cheapest checks first.
 *
 * <p>Everything a worker could only discover after loading a model (unknown model, bad method name,
 * bad parameter value, wrong shape, NaN, target out of range) is caught here (the one exception: a
 * Grad-CAM {@code layer_name} needs the model's graph and is checked by the worker), so that a bad request costs one dead letter
 * in the topology instead of a failed batch in a worker. Thread-safe; the only state is a memo of method verdicts.
 */
public final class EventValidator {

  /** Engine used when neither the request nor the model descriptor names one. */
  public static final String DEFAULT_ENGINE = Engines.PYTORCH;

  private final ModelRegistry registry;
  private final ValidationLimits limits;
  private final MethodChecks methodChecks = new MethodChecks();

  /** A validator over this registry and these bounds. */
  public EventValidator(ModelRegistry registry, ValidationLimits limits) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** The bounds it checks. */
  public ValidationLimits limits() {
    return limits;
  }

  /**
   * Validates one request.
   *
   * @throws Rejection with the dead-letter code and a human-readable reason
   */
  public ValidRequest validate(InferenceEvent event) throws Rejection {
    String id = event.getEventId();
    if (id == null || id.isBlank()) {
      throw new Rejection(ErrorCode.BAD_EVENT_ID, "the request has no eventId; give every request a unique,"
          + " non-blank id (it keys the explanations and dead letters)");
    }
    checkId(id, "eventId");
    checkMap(event.getMetadata(), "metadata");
    checkMap(event.getParams(), "params");
    List<String> methods = distinctMethods(event.getMethods());
    ModelDescriptor model = model(event);
    String engine = engine(event, model);
    checkMethods(methods, event.getParams());
    checkInput(event.getInput(), model);
    checkTarget(event.getTarget(), model);
    return new ValidRequest(event, model, engine, methods);
  }

  private void checkId(String id, String field) throws Rejection {
    if (id.length() > limits.maxIdLength()) {
      throw new Rejection(ErrorCode.TOO_LARGE, field + " has " + id.length() + " characters, more than the limit of "
          + limits.maxIdLength());
    }
  }

  private void checkMap(Map<String, String> map, String field) throws Rejection {
    if (map == null) {
      return;
    }
    if (map.size() > limits.maxMetadataEntries()) {
      throw new Rejection(ErrorCode.METADATA_TOO_LARGE, field + " has " + map.size()
          + " entries, more than the limit of " + limits.maxMetadataEntries());
    }
    long bytes = 0;
    for (Map.Entry<String, String> e : map.entrySet()) {
      bytes += utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    if (bytes > limits.maxMetadataBytes()) {
      throw new Rejection(ErrorCode.METADATA_TOO_LARGE, field + " holds " + bytes
          + " bytes of keys and values, more than the limit of " + limits.maxMetadataBytes());
    }
  }

  private List<String> distinctMethods(List<String> requested) throws Rejection {
    if (requested == null || requested.isEmpty()) {
      throw new Rejection(ErrorCode.EMPTY_METHODS, "the request names no method; name at least one (e.g. gradient)");
    }
    if (requested.size() > limits.maxMethods()) {
      throw new Rejection(ErrorCode.TOO_LARGE, "the request names " + requested.size()
          + " methods, more than the limit of " + limits.maxMethods());
    }
    // a method named twice is computed once: the same map twice would only cost compute
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String m : requested) {
      if (m == null || m.isBlank()) {
        throw new Rejection(ErrorCode.UNKNOWN_METHOD, "a method name is empty", m);
      }
      if (m.length() > limits.maxIdLength()) {
        throw new Rejection(ErrorCode.UNKNOWN_METHOD, "a method name has " + m.length()
            + " characters, more than the limit of " + limits.maxIdLength(), clip(m));
      }
      distinct.add(m.trim());
    }
    return List.copyOf(distinct);
  }

  private ModelDescriptor model(InferenceEvent event) throws Rejection {
    if (event.getModelId() == null || event.getModelId().isBlank()) {
      throw new Rejection(ErrorCode.UNKNOWN_MODEL, "the request names no model (modelId is blank); known models: "
          + registry.all().stream().map(ModelDescriptor::id).toList());
    }
    checkId(event.getModelId(), "modelId");
    ModelDescriptor model = registry.find(event.getModelId()).orElseThrow(() -> new Rejection(
        ErrorCode.UNKNOWN_MODEL, "unknown model '" + event.getModelId() + "'; known models: "
            + registry.all().stream().map(ModelDescriptor::id).toList()));
    String version = event.getModelVersion();
    if (version != null && !version.equals(model.version())) {
      throw new Rejection(ErrorCode.UNKNOWN_MODEL, "model '" + model.id() + "' has version '" + model.version()
          + "', not '" + clip(version) + "'");
    }
    return model;
  }

  private static String engine(InferenceEvent event, ModelDescriptor model) throws Rejection {
    String requested = event.getEngine();
    if (requested == null) {
      return model.preferredEngine().orElse(DEFAULT_ENGINE);
    }
    // engine names are matched without regard to case: "PyTorch" is what a producer means by pytorch
    return Engines.canonical(requested).orElseThrow(() -> new Rejection(ErrorCode.UNKNOWN_ENGINE, "unknown engine '"
        + clip(requested) + "'; use one of " + Engines.ALL + " (any case) or leave it empty for the model's own"));
  }

  /**
   * Parses every method and checks every parameter value it will read, so that a request with any bad
   * method is refused whole, before a task is queued, in one dead letter that names each bad method and
   * what is wrong with it (code UNKNOWN_METHOD if a name is unknown, else BAD_PARAMETER).
   */
  private void checkMethods(List<String> methods, Map<String, String> params) throws Rejection {
    List<String> bad = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    boolean unknownName = false;
    for (String method : methods) {
      MethodChecks.Verdict verdict = methodChecks.check(method, params);
      if (!verdict.ok()) {
        unknownName |= verdict.unknownName();
        bad.add(method);
        reasons.add("method '" + clip(method) + "': " + String.join("; ", verdict.problems()));
      }
    }
    if (!bad.isEmpty()) {
      throw new Rejection(unknownName ? ErrorCode.UNKNOWN_METHOD : ErrorCode.BAD_PARAMETER, String.join(" | ", reasons)
          + (bad.size() < methods.size() ? " (nothing of the request was computed; fix or drop these methods)" : ""),
          String.join(",", bad));
    }
  }

  private void checkInput(Tensor input, ModelDescriptor model) throws Rejection {
    if (input == null) {
      throw new Rejection(ErrorCode.BAD_SHAPE, "the request has no input tensor");
    }
    if (input.getDtype() != DType.FLOAT32 && input.getDtype() != DType.FLOAT64) {
      throw new Rejection(ErrorCode.BAD_DTYPE, "input dtype " + input.getDtype()
          + " is not supported: send FLOAT32 (or FLOAT64), preprocessed as the model expects");
    }
    long bytes = input.getData() == null ? 0 : input.getData().remaining();
    if (bytes > limits.maxTensorBytes()) {
      throw new Rejection(ErrorCode.TOO_LARGE, "input holds " + bytes + " bytes, more than the limit of "
          + limits.maxTensorBytes());
    }
    try {
      TensorCodec.elementCount(input, limits.maxTensorBytes() / TensorCodec.byteSize(input.getDtype()));
      checkShape(TensorCodec.shape(input), model);
      // the shape fits the model: what is left is whether the declared layout fits its rank
      TensorCodec.validate(input, limits.maxTensorBytes() / TensorCodec.byteSize(input.getDtype()));
    } catch (TensorCodecException e) {
      throw new Rejection(e.errorCode(), "input: " + e.getMessage());
    }
    Layout layout = input.getLayout() == null ? Layout.ANY : input.getLayout();
    if (layout != Layout.ANY && model.layout() != Layout.ANY && layout != model.layout()) {
      throw new Rejection(ErrorCode.BAD_LAYOUT, "input layout " + layout + " but model '" + model.id() + "' takes "
          + model.layout() + " (send " + model.layout() + " or ANY)");
    }
    requireFinite(input);
  }

  private void checkShape(long[] shape, ModelDescriptor model) throws Rejection {
    long[] sample = model.inputShape();
    boolean match = shape.length == sample.length + 1
        && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), sample);
    if (!match) {
      long[] expected = new long[sample.length + 1];
      expected[0] = -1;
      System.arraycopy(sample, 0, expected, 1, sample.length);
      throw new Rejection(ErrorCode.BAD_SHAPE, "input shape " + Arrays.toString(shape) + " does not fit model '"
          + model.id() + "', which takes " + Arrays.toString(expected).replace("-1", "N") + " (batch first)");
    }
    if (shape[0] == 0) {
      throw new Rejection(ErrorCode.BAD_SHAPE, "input batch is empty (shape " + Arrays.toString(shape) + ")");
    }
    if (shape[0] > limits.maxBatch()) {
      throw new Rejection(ErrorCode.TOO_LARGE, "input batch of " + shape[0] + " samples is more than the limit of "
          + limits.maxBatch());
    }
  }

  /** Scans the raw bytes, allocating nothing: the tensor was size-checked but may still be large. */
  private static void requireFinite(Tensor input) throws Rejection {
    ByteBuffer data = input.getData().slice().order(ByteOrder.LITTLE_ENDIAN);
    boolean doubles = input.getDtype() == DType.FLOAT64;
    int n = data.remaining() / (doubles ? 8 : 4);
    for (int i = 0; i < n; i++) {
      double v = doubles ? data.getDouble(i * 8) : data.getFloat(i * 4);
      if (!Double.isFinite(v)) {
        throw new Rejection(ErrorCode.NON_FINITE, "input element " + i + " is " + v + "; every value must be finite");
      }
    }
  }

  private static void checkTarget(Integer target, ModelDescriptor model) throws Rejection {
    if (target != null && (target < 0 || target >= model.classCount())) {
      throw new Rejection(ErrorCode.TARGET_OUT_OF_RANGE, "target " + target + " is out of range: model '" + model.id()
          + "' has " + model.classCount() + " outputs (0.." + (model.classCount() - 1) + ")");
    }
  }

  /** Keeps reasons short when a producer sent a huge string. */
  static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }

  private static long utf8Length(String s) {
    return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
  }
}
