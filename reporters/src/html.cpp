// report.html: one self-contained page (inline CSS, JS and SVG; a Content-Security-Policy that
// forbids any network request). Summary with score bands, misprediction per cluster for each target
// class, a sortable mutant table with the status of each mutant, and a paired dot plot per verdict.
// Thumbnails of cluster members are not shown: the report holds no images.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "builtin.h"
#include "format.h"
#include "html_svg.h"
#include "mutagen/reporters/status.h"

namespace mutagen::internal {
namespace {

const char* const kStyle = R"(body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:2px 8px}
td.n{text-align:right}th{background:#eee}table.sortable th{cursor:pointer}
.band-high{color:#1e8449}.band-medium{color:#b9770e}.band-low,.band-below-break{color:#c0392b}
.band-n-a{color:#888}.result{font-weight:bold;font-size:1.2em}.passed{color:#1e8449}
.failed,.errors{color:#c0392b}.undecided{color:#b9770e}.status-killed{color:#1e8449}
.status-survived{color:#c0392b}.status-not-killable{color:#888}.status-timeout{color:#b9770e}
.status-error{color:#8e44ad}svg .grid{stroke:#ddd}svg .tick{font-size:10px;fill:#555}
svg .pair{stroke:#aaa}svg .original{fill:#2e86c1}svg .mutant{fill:#c0392b}
figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-size:12px;max-width:260px}
.note{color:#666;font-style:italic}#mutant-table td:first-child{white-space:nowrap}
#mutant-table td:last-child{min-width:18em})";

// Sorts a table by the clicked column (numbers as numbers; a cell's data-sort overrides its text).
const char* const kScript = R"(document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th,col){th.addEventListener('click',function(){
    var asc=th.getAttribute('data-order')!=='asc';th.setAttribute('data-order',asc?'asc':'desc');
    var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
    function key(r){var c=r.cells[col],k=c.getAttribute('data-sort');if(k===null)k=c.textContent;
      var n=parseFloat(k);return isNaN(n)?k:n;}
    rows.sort(function(a,b){var x=key(a),y=key(b);var c=(typeof x==='number'&&typeof y==='number')?
      x-y:String(x).localeCompare(String(y));return asc?c:-c;});
    rows.forEach(function(r){body.appendChild(r);});});});});
document.body.setAttribute('data-rendered','yes');)";

std::string css_name(std::string s) {
  for (char& c : s)
    if (c == ' ' || c == '/') c = '-';
  return s;
}

std::string td(const std::string& text, bool numeric = false, const std::string& sort = "") {
  return std::string("<td") + (numeric ? " class=\"n\"" : "") +
         (sort.empty() ? "" : " data-sort=\"" + xml_escape(sort) + "\"") + ">" + xml_escape(text) +
         "</td>";
}

std::string summary(const Report& r) {
  std::string s = "<section id=\"summary\">\n<h2>Mutation score</h2>\n";
  s += "<table id=\"scores\"><thead><tr><th>test set</th><th>killed</th><th>killable</th>"
       "<th>score</th><th>band</th></tr></thead><tbody>\n";
  for (const auto& sc : r.scores) {
    const ScoreBand band = sc.killable > 0 ? score_band(r, sc.score) : ScoreBand::kUndefined;
    const std::string cls = "band-" + css_name(band_name(band));
    s += "<tr data-test-set=\"" + xml_escape(sc.test_set) + "\">" + td(sc.test_set) +
         td(std::to_string(sc.killed), true) + td(std::to_string(sc.killable), true) +
         "<td class=\"n score " + cls + "\">" + percent(sc.score) + "</td><td class=\"" + cls +
         "\">" + band_name(band) + (sc.gated ? "" : " (not gated)") + "</td></tr>\n";
  }
  s += "</tbody></table>\n<p id=\"thresholds\">Thresholds: high " + percent(r.thresholds.high) +
       ", low " + percent(r.thresholds.low) + ", break " + percent(r.threshold) +
       " (the run fails below break).</p>\n";
  const auto [strong, weak] = strong_and_weak(r);
  s += "<p id=\"sensitivity\">Strong vs weak sensitivity (MS_strong &minus; MS_weak) / MS_strong: ";
  if (strong.empty())
    s += "n/a (the report has no &quot;weak&quot; test set beside a strong one).</p>\n";
  else
    s += "<b>" + percent(strong_weak_sensitivity(r)) + "</b> (strong = " + xml_escape(strong) +
         ", weak = " + xml_escape(weak) + ").</p>\n";
  std::map<std::string, int> counts;
  for (const auto& m : r.mutants) ++counts[status_name(mutant_status(m))];
  s += "<p id=\"mutant-count\"><span id=\"mutants-total\">" + std::to_string(r.mutants.size()) +
       "</span> mutants";
  for (const auto& [name, n] : counts) s += ", " + std::to_string(n) + " " + name;
  s += ".</p>\n</section>\n";
  return s;
}

std::string class_charts(const Report& r) {
  std::set<int64_t> classes;
  // Untargeted mutants (class -1) have no cluster to miss: they get no chart.
  for (const auto& m : r.mutants)
    if (m.cls >= 0) classes.insert(m.cls);
  std::string s =
      "<section id=\"classes\">\n<h2>Misprediction per cluster</h2>\n"
      "<p class=\"note\">Thumbnails of cluster members are not shown: the report holds "
      "no images.</p>\n";
  for (int64_t c : classes)
    s += "<h3>Class " + std::to_string(c) + "</h3>\n" + misprediction_chart(r, c);
  return s + "</section>\n";
}

// "Accuracy: train, strong; ClassAccuracy: strong": per test (its subject prefix dropped, each
// set once even when the test records several metrics), the test sets that killed the mutant.
std::string killed_by_summary(const MutantReport& m, const std::string& subject) {
  std::vector<std::pair<std::string, std::vector<std::string>>> tests;
  for (const auto& v : m.verdicts) {
    if (!v.killed) continue;
    std::string test = v.test;
    if (test.rfind(subject + ".", 0) == 0) test = test.substr(subject.size() + 1);
    auto it =
        std::find_if(tests.begin(), tests.end(), [&](const auto& t) { return t.first == test; });
    if (it == tests.end()) it = tests.insert(tests.end(), {test, {}});
    if (std::find(it->second.begin(), it->second.end(), v.test_set) == it->second.end())
      it->second.push_back(v.test_set);
  }
  std::string s;
  for (const auto& [test, sets] : tests) {
    s += (s.empty() ? "" : "; ") + test + ":";
    for (size_t i = 0; i < sets.size(); ++i) s += (i ? ", " : " ") + sets[i];
  }
  return s;
}

// What the mutant changed against its original, as the mutator reported it: "6: 80 weights",
// "+structure identity:4"; sorted by the number of weights.
std::string changed_cell(const MutantReport& m) {
  std::string text = m.layer;
  if (m.weights_changed >= 0 && m.layer.rfind("+structure", 0) != 0)
    text += (text.empty() ? "" : ": ") + count(m.weights_changed) +
            (m.weights_changed == 1 ? " weight" : " weights");
  if (text.empty()) text = "-";
  return td(text, false, std::to_string(m.weights_changed));
}

std::string mutant_table(const Report& r) {
  std::string s =
      "<section id=\"mutants\">\n<h2>Mutants</h2>\n<table id=\"mutant-table\" "
      "class=\"sortable\"><thead><tr><th>id</th><th>operator</th><th>class</th>"
      "<th>cluster</th><th>status</th>";
  for (const auto& set : r.test_sets) s += "<th>" + xml_escape(set) + "</th>";
  s += "<th>|I_neg|</th><th>|I_pos|</th><th>mispred I_neg</th><th>mispred I_pos</th>"
       "<th>held-out neg</th><th>held-out pos</th><th>other classes</th><th>changed</th>"
       "<th>s to make</th>"
       "<th>killed by</th></tr>"
       "</thead><tbody>\n";
  auto status_cell = [](MutantStatus st, bool trivial) {
    return "<td class=\"status-" + css_name(status_name(st)) + "\" data-sort=\"" +
           std::to_string(static_cast<int>(st)) + "\">" + status_name(st) +
           (trivial ? " (trivial)" : "") + "</td>";
  };
  for (const auto& m : r.mutants) {
    const MutantStatus st = mutant_status(m);
    const std::string killed_by = killed_by_summary(m, r.subject);
    s += "<tr data-status=\"" + status_name(st) + "\">" + td(m.id) + td(operator_label(m)) +
         td(std::to_string(m.cls), true) + td(std::to_string(m.cluster), true) +
         status_cell(st, m.trivial);
    for (const auto& set : r.test_sets)
      s += has_verdicts(m, set) ? status_cell(mutant_status(m, set), false)
                                : "<td data-sort=\"9\">-</td>";
    s += td(std::to_string(m.i_neg), true) + td(std::to_string(m.i_pos), true) +
         td(percent(m.misprediction_neg), true) + td(percent(m.misprediction_pos), true) +
         td(percent(m.heldout_misprediction_neg), true) +
         td(percent(m.heldout_misprediction_pos), true) +
         td(points(m.other_classes_accuracy_change), true) + changed_cell(m) +
         td(std::isfinite(m.seconds_per_mutant) ? fmt("%.1f", m.seconds_per_mutant) : "-", true) +
         td(killed_by) + "</tr>\n";
  }
  return s + "</tbody></table>\n</section>\n";
}

std::string verdict_plots(const Report& r) {
  std::string s = "<section id=\"verdicts\">\n<h2>Verdicts</h2>\n";
  for (const auto& m : r.mutants) {
    s += "<h3>" + xml_escape(m.id) + " <small>" + xml_escape(configuration_label(m)) +
         "</small></h3>\n<div class=\"verdicts\">\n";
    if (m.verdicts.empty()) s += "<p class=\"note\">no verdicts</p>\n";
    for (const auto& v : m.verdicts) {
      s += "<figure>" + paired_dot_plot(v) + "<figcaption><b>" + xml_escape(v.test) + "</b> " +
           xml_escape(v.metric) + " on " + xml_escape(v.test_set) + ": <span class=\"status-" +
           (v.killed ? "killed\">killed" : "survived\">survived") +
           "</span><br>p = " + p_value(v.p_value) + ", d = " + signed_number(v.cohens_d) +
           ", power = " + (std::isfinite(v.power) ? fmt("%.2f", v.power) : "n/a") + " (" +
           xml_escape(v.method) + ")" + (v.underpowered ? ", underpowered" : "") +
           (v.errors > 0 ? ", " + std::to_string(v.errors) + " errors" : "") +
           (v.timeouts > 0 ? ", " + std::to_string(v.timeouts) + " timeouts" : "") +
           "</figcaption></figure>\n";
    }
    s += "</div>\n";
  }
  return s + "</section>\n";
}

std::string page(const Report& r) {
  const RunResult run = run_result(r);
  const std::string reason = result_reason(r);
  std::string result = result_name(run);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
      "<title>mutagen report: " +
      xml_escape(r.subject) + "</title>\n<style>\n" + kStyle + "\n</style>\n</head>\n<body>\n";
  s += "<h1>mutagen report: <span id=\"subject\">" + xml_escape(r.subject) + "</span></h1>\n";
  s += "<p class=\"result " + result + "\" id=\"result\">" + result_name(run) +
       (reason.empty() ? "" : " (" + xml_escape(reason) + ")") + "</p>\n<p>" +
       std::to_string(r.instances) + " instances per configuration; kill criterion " +
       xml_escape(r.kill_criterion) + " (" + xml_escape(r.alternative) + "), alpha " +
       number(r.alpha) + ", effect size " + number(r.effect_size) + ".</p>\n";
  s += summary(r) + class_charts(r) + mutant_table(r) + verdict_plots(r);
  if (!r.errors.empty()) {
    s += "<section id=\"errors\">\n<h2>Errors</h2>\n<ul>\n";
    for (const auto& e : r.errors) s += "<li>" + xml_escape(e) + "</li>\n";
    s += "</ul>\n</section>\n";
  }
  return s + "<script>\n" + kScript + "\n</script>\n</body>\n</html>\n";
}

class HtmlReporter : public Reporter {
 public:
  std::string name() const override { return "html"; }
  std::string description() const override {
    return "report.html: one self-contained page with scores, charts and a sortable mutant table";
  }
  std::string file_name() const override { return "report.html"; }
  std::string render(const Report& report) const override { return page(report); }
};

}  // namespace

std::unique_ptr<Reporter> make_html_reporter() { return std::make_unique<HtmlReporter>(); }

}  // namespace mutagen::internal
