// The HTML report: one self-contained file (inline style and script, no
// network) with the ranked pairs, the clusters, the notices, and for each
// listed pair both programs side by side with matched fragments in matching
// colours. All student text and every label is HTML-escaped.
//
// Keyboard: j and k move to the next and previous pair, n and p to the next
// and previous fragment within the pair in view, t back to the top.
// Clicking a fragment scrolls its counterpart on the other side into view.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "exam/similarity/report.h"
#include "report_util.h"

namespace exam::similarity {
namespace {

// Distinct fragment colours; fragment i of a pair uses colour i mod 12 on
// both sides.
constexpr int kColours = 12;

std::string Escape(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        result += "&amp;";
        break;
      case '<':
        result += "&lt;";
        break;
      case '>':
        result += "&gt;";
        break;
      case '"':
        result += "&quot;";
        break;
      case '\'':
        result += "&#39;";
        break;
      default:
        result += c;
    }
  }
  return result;
}

constexpr const char* kStyle = R"CSS(
:root { color-scheme: light; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 1600px; padding: 1rem 1.5rem 4rem; color: #1b1b1b; }
h1 { margin: 0.2rem 0; }
.evidence { background: #fff4ce; border: 1px solid #d9b300; padding: 0.6rem 0.8rem; }
.keys { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section.pair { border-top: 3px solid #444; margin-top: 2rem; padding-top: 0.5rem; }
section.pair:focus { outline: 3px solid #3367d6; outline-offset: 4px; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.side { min-width: 0; }
.code { max-height: 75vh; overflow: auto; border: 1px solid #ccc; background: #fafafa; }
pre { margin: 0; padding: 0.4rem 0; font: 13px/1.45 ui-monospace, monospace; tab-size: 8; }
.ln { display: inline-block; width: 3.5em; padding-right: 0.6em; text-align: right; color: #999;
      user-select: none; }
.file { display: block; background: #e8e8e8; padding: 0.1rem 0.6rem; font-weight: bold; }
mark { color: inherit; border-radius: 2px; cursor: pointer; }
mark.current { outline: 2px solid #000; }
.c0 { background: #ffd6d6; } .c1 { background: #cfe8ff; } .c2 { background: #d4f7d4; }
.c3 { background: #ffe8c2; } .c4 { background: #e6d6ff; } .c5 { background: #c9f3f0; }
.c6 { background: #ffd1ec; } .c7 { background: #eef3b8; } .c8 { background: #d9dcff; }
.c9 { background: #ffdcc9; } .c10 { background: #c9ffe0; } .c11 { background: #f0d9c0; }
.muted { color: #666; }
)CSS";

constexpr const char* kScript = R"JS(
(function () {
  var pairs = Array.prototype.slice.call(document.querySelectorAll('section.pair'));
  var current = -1;
  var fragment = -1;
  function showPair(index) {
    if (pairs.length === 0) return;
    current = Math.max(0, Math.min(pairs.length - 1, index));
    fragment = -1;
    pairs[current].focus();
    pairs[current].scrollIntoView({block: 'start'});
  }
  function showFragment(pair, index) {
    var count = Number(pair.getAttribute('data-fragments'));
    if (count === 0) return;
    fragment = (index + count) % count;
    pair.querySelectorAll('mark.current').forEach(function (m) { m.classList.remove('current'); });
    pair.querySelectorAll('mark[data-f="' + fragment + '"]').forEach(function (m, i, all) {
      m.classList.add('current');
      if (m === all[0] || m.closest('.side') !== all[0].closest('.side')) {
        m.scrollIntoView({block: 'center', inline: 'nearest'});
      }
    });
  }
  function pairInView() {
    for (var i = 0; i < pairs.length; i++) {
      var box = pairs[i].getBoundingClientRect();
      if (box.bottom > 80) return i;
    }
    return pairs.length - 1;
  }
  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'j') showPair((current < 0 ? pairInView() - 1 : current) + 1);
    else if (event.key === 'k') showPair((current < 0 ? pairInView() : current) - 1);
    else if (event.key === 'n' || event.key === 'p') {
      if (current < 0) current = pairInView();
      showFragment(pairs[current], fragment + (event.key === 'n' ? 1 : -1));
    } else if (event.key === 't') { current = -1; window.scrollTo(0, 0); }
    else return;
    event.preventDefault();
  });
  document.addEventListener('click', function (event) {
    var mark = event.target.closest('mark');
    if (!mark) return;
    var pair = mark.closest('section.pair');
    current = pairs.indexOf(pair);
    showFragment(pair, Number(mark.getAttribute('data-f')));
  });
})();
)JS";

// A highlighted column range on one line: [begin, end) in code points.
struct LineSpan {
  uint32_t begin;
  uint32_t end;
  std::size_t fragment;
};

// Renders one side of a pair: each file of the submission with line numbers,
// fragment runs wrapped in <mark>.
void RenderSide(const SimilarityReport& report, uint32_t submission,
                const std::vector<const FragmentSide*>& sides, std::ostream& out) {
  const Submission& code = report.submissions[submission];
  out << "<div class=\"code\"><pre>";
  for (uint32_t f = 0; f < code.files.size(); ++f) {
    if (code.files.size() > 1) {
      out << "<span class=\"file\">" << Escape(code.files[f].path) << "</span>";
    }
    // Spans per line of this file.
    std::vector<std::vector<LineSpan>> spans;
    for (std::size_t i = 0; i < sides.size(); ++i) {
      const FragmentSide& side = *sides[i];
      if (side.file != f) {
        continue;
      }
      if (spans.size() <= side.end.line) {
        spans.resize(side.end.line + 1);
      }
      for (uint32_t line = side.begin.line; line <= side.end.line; ++line) {
        // Continuation lines start at their code, so indentation stays plain.
        const uint32_t begin = line == side.begin.line ? side.begin.column : 0;
        const uint32_t end = line == side.end.line ? side.end.column : 0xFFFFFFFFu;
        spans[line].push_back({begin, end, i});
      }
    }

    const std::string_view text = code.files[f].text;
    uint32_t line = 1;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t stop = text.find('\n', start);
      if (stop == std::string_view::npos) {
        stop = text.size();
        if (start == stop && line > 1) {
          break;  // no empty last line after a final newline
        }
      }
      const std::string_view content = text.substr(start, stop - start);
      out << "<span class=\"ln\">" << line << "</span>";
      std::vector<LineSpan> here = line < spans.size() ? spans[line] : std::vector<LineSpan>{};
      const auto indent = static_cast<uint32_t>(content.find_first_not_of(" \t"));
      for (LineSpan& span : here) {
        if (span.begin == 0) {
          span.begin = indent == static_cast<uint32_t>(std::string_view::npos) ? 1 : indent + 1;
        }
      }
      std::sort(here.begin(), here.end(),
                [](const LineSpan& a, const LineSpan& b) { return a.begin < b.begin; });

      uint32_t column = 1;
      std::size_t next_span = 0;
      bool open = false;
      std::size_t open_end = 0;
      std::string pending;
      const auto flush = [&] {
        out << Escape(pending);
        pending.clear();
      };
      for (std::size_t i = 0; i <= content.size(); ++i) {
        const bool character_start =
            i == content.size() || (static_cast<unsigned char>(content[i]) & 0xC0) != 0x80;
        if (character_start) {
          if (i > 0) {
            ++column;
          }
          if (open && column >= open_end) {
            flush();
            out << "</mark>";
            open = false;
          }
          if (!open && next_span < here.size() && column >= here[next_span].begin &&
              i < content.size()) {
            flush();
            const std::size_t fragment = here[next_span].fragment;
            out << "<mark class=\"c" << fragment % kColours << "\" data-f=\"" << fragment << "\">";
            open = true;
            open_end = here[next_span].end;
            ++next_span;
          }
        }
        if (i < content.size()) {
          pending += content[i];
        }
      }
      flush();
      if (open) {
        out << "</mark>";
      }
      out << "\n";
      if (stop == text.size()) {
        break;
      }
      start = stop + 1;
      ++line;
    }
  }
  out << "</pre></div>";
}

void RenderPairView(const SimilarityReport& report, std::size_t rank, std::ostream& out) {
  const PairResult& pair = report.pairs[rank];
  const std::string& left = report.submissions[pair.left].student;
  const std::string& right = report.submissions[pair.right].student;
  out << fmt::format(
      "<section class=\"pair\" id=\"pair-{0}\" tabindex=\"-1\" data-fragments=\"{1}\">"
      "<h2>{0}. {2} and {3}</h2><p>similarity {4:.3f}, longest fragment {5} tokens, {6} tokens "
      "matched in {1} fragments. <a href=\"#top\">back to the list</a></p><div class=\"sides\">",
      rank + 1, pair.fragments.size(), Escape(left), Escape(right), pair.similarity,
      pair.longest_fragment, pair.matched_tokens);

  std::vector<const FragmentSide*> left_sides;
  std::vector<const FragmentSide*> right_sides;
  for (const Fragment& fragment : pair.fragments) {
    left_sides.push_back(&fragment.left);
    right_sides.push_back(&fragment.right);
  }
  out << "<div class=\"side\"><h3>" << Escape(left) << "</h3>";
  RenderSide(report, pair.left, left_sides, out);
  out << "</div><div class=\"side\"><h3>" << Escape(right) << "</h3>";
  RenderSide(report, pair.right, right_sides, out);
  out << "</div></div></section>\n";
}

}  // namespace

void RenderHtml(const SimilarityReport& report, const RenderOptions& options, std::ostream& out) {
  const internal::ReportTotals totals = internal::CountTotals(report);
  const std::size_t shown = internal::PairsToShow(report, options.top);

  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
         "<title>Similarity report</title><style>"
      << kStyle << "</style></head><body>\n<header id=\"top\"><h1>Similarity report</h1>";
  out << "<p class=\"evidence\"><strong>" << internal::kEvidenceNotice << "</strong></p>";
  out << fmt::format(
      "<p>{} students: {} compared, {} too short or empty, {} with no readable file. {} pairs "
      "share fingerprints, the {} most promising were aligned, {} share code. Fragments shorter "
      "than {} tokens, starter code "
      "and code found in more than {:.0f}% of submissions are not counted.</p>",
      totals.students, totals.compared, totals.not_compared, totals.unreadable,
      report.candidate_pairs, report.aligned_pairs, report.pairs.size(),
      report.options.min_match_tokens, report.options.max_share * 100);
  out << "<p class=\"keys\">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous pair, "
         "<kbd>n</kbd>/<kbd>p</kbd> next/previous fragment, <kbd>t</kbd> top. Click a "
         "highlighted fragment to show its match.</p></header>\n";

  out << "<section id=\"pairs\"><h2>Ranked pairs</h2>";
  if (shown == 0) {
    out << "<p>No pair shares a fragment long enough to count.</p>";
  } else {
    out << "<table><thead><tr><th>rank</th><th>student</th><th>student</th><th>similarity</th>"
           "<th>longest fragment (tokens)</th><th>matched tokens</th><th>fragments</th></tr>"
           "</thead><tbody>";
    for (std::size_t i = 0; i < shown; ++i) {
      const PairResult& pair = report.pairs[i];
      out << fmt::format(
          "<tr><td class=\"num\"><a href=\"#pair-{0}\">{0}</a></td><td>{1}</td><td>{2}</td>"
          "<td class=\"num\">{3:.3f}</td><td class=\"num\">{4}</td><td class=\"num\">{5}</td>"
          "<td class=\"num\">{6}</td></tr>",
          i + 1, Escape(report.submissions[pair.left].student),
          Escape(report.submissions[pair.right].student), pair.similarity, pair.longest_fragment,
          pair.matched_tokens, pair.fragments.size());
    }
    out << "</tbody></table>";
    if (shown < report.pairs.size()) {
      out << fmt::format(
          "<p class=\"muted\">{} more pairs share code but are not listed; "
          "raise --top to list them.</p>",
          report.pairs.size() - shown);
    }
  }
  out << "</section>\n";

  out << fmt::format(
      "<section id=\"clusters\"><h2>Clusters</h2><p>Students connected by pairs "
      "with similarity of at least {:.2f}.</p>",
      report.options.threshold);
  if (report.clusters.empty()) {
    out << "<p>None.</p>";
  } else {
    out << "<ol>";
    for (const Cluster& cluster : report.clusters) {
      std::string members;
      for (uint32_t member : cluster.members) {
        members += (members.empty() ? "" : ", ") + Escape(report.submissions[member].student);
      }
      out << fmt::format("<li>{} ({} pairs, max similarity {:.3f})</li>", members, cluster.pairs,
                         cluster.max_similarity);
    }
    out << "</ol>";
  }
  out << "</section>\n";

  if (!report.notices.empty()) {
    out << "<section id=\"notices\"><h2>Notices</h2><table><thead><tr><th>kind</th><th>file</th>"
           "<th>line</th><th>message</th></tr></thead><tbody>";
    for (const Notice& notice : report.notices) {
      out << "<tr><td>" << NoticeSeverityName(notice.severity) << "</td><td>" << Escape(notice.path)
          << "</td><td class=\"num\">" << (notice.line > 0 ? std::to_string(notice.line) : "")
          << "</td><td>" << Escape(notice.message) << "</td></tr>";
    }
    out << "</tbody></table></section>\n";
  }

  for (std::size_t i = 0; i < shown; ++i) {
    RenderPairView(report, i, out);
  }
  out << "<script>" << kScript << "</script></body></html>\n";
}

}  // namespace exam::similarity
