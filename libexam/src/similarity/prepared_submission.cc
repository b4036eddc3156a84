// Preparation of each submission: text repair, tokens, base code masking and
// fingerprints, with a notice for everything that was repaired or skipped.
//
// Base code is removed by tiling each submission against the starter code
// with the same minimum match length as between students, without covering
// the starter side. So a student who kept, reordered, duplicated or partly
// deleted the starter code has every kept run of at least k tokens masked,
// and an edited line only splits a run. Starter code that a student changed
// beyond recognition is the student's own code and is compared as such.
#include "prepared_submission.h"

#include <fmt/format.h>

#include "exam/similarity/source_text.h"

namespace exam::similarity::internal {
namespace {

// Syntax issues listed per file; the rest are counted in one notice.
constexpr std::size_t kMaxIssuesPerFile = 5;

void AddCleaningNotices(const CleanedText& cleaned, const std::string& student,
                        const std::string& path, std::vector<Notice>& notices) {
  if (cleaned.had_bom) {
    notices.push_back({NoticeSeverity::kNote, student, path, 0, "UTF-8 byte order mark removed"});
  }
  if (cleaned.crlf_line_endings > 0 || cleaned.lone_carriage_returns > 0) {
    notices.push_back({NoticeSeverity::kNote, student, path, 0,
                       fmt::format("line endings converted to \\n ({} CRLF, {} lone CR)",
                                   cleaned.crlf_line_endings, cleaned.lone_carriage_returns)});
  }
  if (cleaned.invalid_utf8_sequences > 0) {
    notices.push_back(
        {NoticeSeverity::kWarning, student, path, static_cast<uint32_t>(cleaned.first_invalid_line),
         fmt::format("not valid UTF-8: {} invalid byte sequence(s) replaced with U+FFFD; "
                     "save the file as UTF-8 to compare it exactly",
                     cleaned.invalid_utf8_sequences)});
  }
}

void AddIssueNotices(const std::vector<SyntaxIssue>& issues, const std::string& student,
                     const std::string& path, std::vector<Notice>& notices) {
  for (std::size_t i = 0; i < issues.size() && i < kMaxIssuesPerFile; ++i) {
    notices.push_back({NoticeSeverity::kWarning, student, path, issues[i].where.line,
                       fmt::format("syntax error at column {}: {}; compared as far as it could "
                                   "be tokenized",
                                   issues[i].where.column, issues[i].message)});
  }
  if (issues.size() > kMaxIssuesPerFile) {
    notices.push_back(
        {NoticeSeverity::kWarning, student, path, 0,
         fmt::format("{} more syntax errors not listed", issues.size() - kMaxIssuesPerFile)});
  }
}

// Tokenizes all files into one stream with a boundary token between files.
void TokenizeFiles(std::vector<SourceFile>& files, const std::string& student,
                   const Tokenizer& tokenizer, PreparedSubmission& prepared,
                   std::vector<Notice>& notices) {
  TokenizeOutput output;
  for (std::size_t f = 0; f < files.size(); ++f) {
    CleanedText cleaned = CleanSourceText(files[f].text);
    AddCleaningNotices(cleaned, student, files[f].path, notices);
    files[f].text = std::move(cleaned.text);

    if (f > 0) {
      const Position end = output.tokens.empty() ? Position{1, 1} : output.tokens.back().end;
      output.tokens.push_back({kBoundaryKind, static_cast<uint32_t>(f - 1), end, end});
    }
    output.issues.clear();
    tokenizer.Tokenize(files[f].text, static_cast<uint32_t>(f), output);
    AddIssueNotices(output.issues, student, files[f].path, notices);
  }

  prepared.tokens = std::move(output.tokens);
  prepared.kinds.reserve(prepared.tokens.size());
  prepared.masked.reserve(prepared.tokens.size());
  for (const Token& token : prepared.tokens) {
    prepared.kinds.push_back(token.kind);
    prepared.masked.push_back(token.kind == kBoundaryKind ? kFileBoundary : kMatchable);
  }
}

}  // namespace

PreparedBase PrepareBase(const std::vector<SourceFile>& files, const Tokenizer& tokenizer,
                         const SimilarityOptions& options, std::vector<Notice>& notices) {
  PreparedBase base;
  std::vector<SourceFile> copy = files;
  TokenizeFiles(copy, "", tokenizer, base.code, notices);
  base.code.hashes = HashKgrams(base.code.kinds, base.code.masked, options.min_match_tokens);
  base.table = KgramTable(base.code.hashes);
  return base;
}

PreparedSubmission PrepareSubmission(Submission& submission, const Tokenizer& tokenizer,
                                     const PreparedBase& base, const SimilarityOptions& options,
                                     Tiler& tiler, std::vector<Notice>& notices) {
  const uint32_t k = options.min_match_tokens;
  PreparedSubmission prepared;
  TokenizeFiles(submission.files, submission.student, tokenizer, prepared, notices);
  prepared.hashes = HashKgrams(prepared.kinds, prepared.masked, k);

  if (!base.code.hashes.empty() && !prepared.hashes.empty()) {
    const std::vector<Tile> tiles =
        tiler.Run(base.code.View(), base.table, prepared.View(), k, /*mark_left=*/false);
    for (const Tile& tile : tiles) {
      std::fill_n(prepared.masked.begin() + tile.right, tile.length, kBaseCode);
    }
    if (!tiles.empty()) {
      prepared.hashes = HashKgrams(prepared.kinds, prepared.masked, k);
    }
  }

  prepared.fingerprints = Winnow(prepared.hashes, options.window);
  return prepared;
}

SubmissionSummary Summarize(const PreparedSubmission& prepared, uint32_t k) {
  SubmissionSummary summary;
  for (uint8_t mask : prepared.masked) {
    switch (mask) {
      case kMatchable:
        ++summary.compared_tokens;
        break;
      case kBaseCode:
        ++summary.base_tokens;
        break;
      case kCommonCode:
        ++summary.common_tokens;
        break;
      default:
        continue;  // file boundaries are not code
    }
    ++summary.tokens;
  }
  summary.compared = summary.compared_tokens >= k;
  return summary;
}

}  // namespace exam::similarity::internal
