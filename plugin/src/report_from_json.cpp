// Report::from_json: reads back what Report::to_json writes (report_json.cpp), naming the file, the
// field and what was expected for anything else. null stands for a non-finite number.
#include <cmath>
#include <limits>

#include "mutagen/error.h"
#include "mutagen/io.h"
#include "mutagen/report.h"

namespace mutagen {
namespace {

using json = nlohmann::json;

const char* type_of(const json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

// One JSON object being read, with its path from the root ("mutants[1].verdicts[0]").
class Fields {
 public:
  Fields(const json& j, std::string source, std::string path)
      : j_(j), source_(std::move(source)), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_.empty() ? "the document" : path_, "an object", j_);
  }

  std::string str(const char* key, bool required = true, std::string fallback = "") const {
    const json* v = find(key, required);
    if (!v) return fallback;
    if (!v->is_string()) fail(at(key), "a string", *v);
    return v->get<std::string>();
  }
  double num(const char* key, bool required = true, double fallback = 0) const {
    const json* v = find(key, required);
    if (!v) return fallback;
    if (v->is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!v->is_number()) fail(at(key), "a number or null", *v);
    return v->get<double>();
  }
  int64_t integer(const char* key, bool required = true, int64_t fallback = 0) const {
    const json* v = find(key, required);
    if (!v || v->is_null()) return fallback;
    if (!v->is_number_integer()) fail(at(key), "an integer", *v);
    return v->get<int64_t>();
  }
  bool boolean(const char* key, bool required = true, bool fallback = false) const {
    const json* v = find(key, required);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(at(key), "true or false", *v);
    return v->get<bool>();
  }
  const json& array(const char* key, bool required = true) const {
    static const json empty = json::array();
    const json* v = find(key, required);
    if (!v) return empty;
    if (!v->is_array()) fail(at(key), "an array", *v);
    return *v;
  }
  std::vector<double> numbers(const char* key) const {
    std::vector<double> out;
    const json& a = array(key);
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].is_null())
        out.push_back(std::numeric_limits<double>::quiet_NaN());
      else if (a[i].is_number())
        out.push_back(a[i].get<double>());
      else
        fail(at(key) + "[" + std::to_string(i) + "]", "a number or null", a[i]);
    }
    return out;
  }
  std::vector<std::string> strings(const char* key, bool required = true) const {
    std::vector<std::string> out;
    const json& a = array(key, required);
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) fail(at(key) + "[" + std::to_string(i) + "]", "a string", a[i]);
      out.push_back(a[i].get<std::string>());
    }
    return out;
  }
  const json* find(const char* key, bool required) const {
    const auto it = j_.find(key);
    if (it != j_.end()) return &*it;
    if (required)
      throw Error(source_ + ": field '" + at(key) + "' is missing (expected a mutagen report as " +
                  "written by report.json)");
    return nullptr;
  }
  Fields child(const json& j, const std::string& key) const { return Fields(j, source_, at(key)); }
  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& expected,
                         const json& got) const {
    throw Error(source_ + ": field '" + field + "': expected " + expected + ", got " +
                type_of(got));
  }

  const json& j_;
  std::string source_;
  std::string path_;
};

Verdict read_verdict(const Fields& f) {
  Verdict v;
  v.test = f.str("test");
  v.metric = f.str("metric");
  v.test_set = f.str("test_set");
  v.better = f.str("better", false, v.better);
  v.p_value = f.num("p_value");
  v.cohens_d = f.num("cohens_d");
  v.correlation = f.num("correlation", false, 0);
  v.power = f.num("power");
  v.method = f.str("method");
  v.killed = f.boolean("killed");
  v.underpowered = f.boolean("underpowered");
  v.errors = f.integer("errors");
  v.timeouts = f.integer("timeouts", false, 0);
  v.killing_inputs = f.integer("killing_inputs", false, -1);
  v.original = f.numbers("original");
  v.mutant = f.numbers("mutant");
  return v;
}

MutantReport read_mutant(const Fields& f) {
  MutantReport m;
  m.id = f.str("id");
  m.operator_name = f.str("operator");
  const json* options = f.find("options", false);
  if (options) m.options = *options;
  m.cls = f.integer("class");
  m.cluster = f.integer("cluster");
  m.i_neg = f.integer("i_neg");
  m.i_pos = f.integer("i_pos");
  m.misprediction_neg = f.num("misprediction_neg");
  m.misprediction_pos = f.num("misprediction_pos");
  m.heldout_misprediction_neg = f.num("heldout_misprediction_neg");
  m.heldout_misprediction_pos = f.num("heldout_misprediction_pos");
  m.other_classes_accuracy_change = f.num("other_classes_accuracy_change");
  m.other_classes_worst_change = f.num("other_classes_worst_change", false, 0);
  m.other_classes_worst_class = f.integer("other_classes_worst_class", false, -1);
  m.killable = f.boolean("killable");
  m.trivial = f.boolean("trivial");
  m.layer = f.str("layer", false);
  m.weights_changed = f.integer("weights_changed", false, -1);
  m.seconds_per_mutant =
      f.num("seconds_per_mutant", false, std::numeric_limits<double>::quiet_NaN());
  const json& vs = f.array("verdicts");
  for (size_t i = 0; i < vs.size(); ++i)
    m.verdicts.push_back(read_verdict(f.child(vs[i], "verdicts[" + std::to_string(i) + "]")));
  return m;
}

}  // namespace

Report Report::from_json(const nlohmann::json& j, const std::string& source) {
  // Reports written before the field existed have none; any other value is another format.
  if (j.is_object() && j.contains("format") && j["format"] != Report::kFormat) {
    const bool partial = j["format"] == "mutagen-partial-report-v1";
    throw Error(source + ": field 'format' is " + j["format"].dump() + ", expected \"" +
                Report::kFormat + "\"" +
                (partial ? " (this is one shard's partial report: `mutagen merge` makes the report)"
                         : " (a report of another mutagen version, or not a report)"));
  }
  if (!j.is_object() || !j.contains("mutants") || !j.contains("scores"))
    throw Error(source + ": not a mutagen report (expected a JSON object with the fields " +
                "'subject', 'mutants' and 'scores', as report.json has)");
  const Fields f(j, source, "");
  Report r;
  r.subject = f.str("subject");
  r.alpha = f.num("alpha");
  r.effect_size = f.num("effect_size");
  r.instances = f.integer("instances");
  r.test_sets = f.strings("test_sets");
  const json& ms = f.array("mutants");
  for (size_t i = 0; i < ms.size(); ++i)
    r.mutants.push_back(read_mutant(f.child(ms[i], "mutants[" + std::to_string(i) + "]")));
  const json& ss = f.array("scores");
  for (size_t i = 0; i < ss.size(); ++i) {
    const Fields s = f.child(ss[i], "scores[" + std::to_string(i) + "]");
    r.scores.push_back({s.str("test_set"), s.integer("killed"), s.integer("killable"),
                        s.num("score"), s.boolean("gated", false, true)});
  }
  r.alternative = f.str("alternative", false, r.alternative);
  r.kill_criterion = f.str("kill_criterion", false, r.kill_criterion);
  r.power_effect_size = f.num("power_effect_size", false, r.power_effect_size);
  r.threshold = f.num("threshold");
  if (const json* t = f.find("thresholds", false)) {
    const Fields tf = f.child(*t, "thresholds");
    r.thresholds.high = tf.num("high");
    r.thresholds.low = tf.num("low");
    const double brk = tf.num("break");
    if (brk != r.threshold && !(std::isnan(brk) && std::isnan(r.threshold)))
      throw Error(source + ": field 'thresholds.break' differs from 'threshold' (expected the " +
                  "same gate in both)");
  }
  r.decided = f.boolean("decided", false, true);
  r.undecided_reason = f.str("undecided_reason", false);
  r.passed = f.boolean("passed");
  r.resumed = f.integer("resumed", false, 0);
  r.errors = f.strings("errors");
  if (f.find("original_fingerprints", false))
    r.original_fingerprints = f.strings("original_fingerprints");
  if (const json* o = f.find("options", false)) r.options = *o;
  if (const json* t = f.find("timings", false)) r.timings = *t;
  r.skipped = f.strings("skipped", false);
  return r;
}

Report read_report(const std::string& path) {
  nlohmann::json j;
  try {
    j = read_json(path);
  } catch (const Error& e) {
    std::string text;
    try {
      text = read_file(path);
    } catch (const Error&) {
      throw e;
    }
    try {
      [[maybe_unused]] const nlohmann::json reparsed = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& pe) {
      if (pe.byte > text.size())
        throw Error(std::string(e.what()) +
                    ": unexpected end of input, the file looks truncated (expected a whole " +
                    "report.json)");
    } catch (const nlohmann::json::exception&) {
    }
    throw Error(std::string(e.what()) + " (expected a mutagen report.json)");
  }
  return Report::from_json(j, path);
}

}  // namespace mutagen
