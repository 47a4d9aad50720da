// Finds relative links and #anchors in Markdown files that point nowhere: a file or directory
// that does not exist (or is git-ignored, so a clone lacks it), or an anchor that no heading of
// the target produces under GitHub's slug rules (github-slugger: lower case, punctuation dropped,
// spaces to hyphens, "-1", "-2" for repeated headings). Markdown is parsed by markdown-it
// (CommonMark plus GFM tables), so links in code spans and code blocks are not links.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: true });

// A link with a scheme (https:, mailto:) or a protocol-relative one leaves the repository.
const isExternal = (href) => /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//");

// GitHub's line anchors in a file view (#L10, #L10-L20) are the only anchors a non-Markdown target has.
const isLineAnchor = (anchor) => /^L\d+(-L\d+)?$/.test(anchor);

function parse(file) {
  return md.parse(readFileSync(file, "utf8"), {});
}

// The anchors GitHub gives a Markdown file's headings, in document order.
export function headingAnchors(file) {
  const slugger = new GithubSlugger();
  const anchors = new Set();
  const tokens = parse(file);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].type !== "heading_open") continue;
    const text = tokens[i + 1].children
      .filter((t) => t.type === "text" || t.type === "code_inline")
      .map((t) => t.content)
      .join("");
    anchors.add(slugger.slug(text));
  }
  return anchors;
}

// Every link and image in a Markdown file: { line, href }. The line is that of the block
// (paragraph, table row, list item) holding the link.
export function links(file) {
  const found = [];
  let line = 1;
  for (const block of parse(file)) {
    if (block.map) line = block.map[0] + 1;
    for (const t of block.children ?? []) {
      if (t.type === "link_open") found.push({ line, href: t.attrGet("href") });
      else if (t.type === "image") found.push({ line, href: t.attrGet("src") });
    }
  }
  return found;
}

function gitIgnored(root, rel) {
  const r = spawnSync("git", ["-C", root, "check-ignore", "-q", "--", rel]);
  return r.status === 0;
}

// Checks one link of `file` (a path relative to `root`). Returns null when it resolves, else why not.
export function checkLink(root, file, href, anchorCache = new Map()) {
  const hash = href.indexOf("#");
  let target = hash < 0 ? href : href.slice(0, hash);
  let anchor = hash < 0 ? null : href.slice(hash + 1);
  try {
    target = decodeURIComponent(target);
    if (anchor !== null) anchor = decodeURIComponent(anchor);
  } catch {
    return "not a valid percent-encoded URL";
  }
  target = target.replace(/\?.*$/, "");
  let rel;
  if (target === "") rel = file;
  else if (target.startsWith("/")) rel = path.posix.normalize(target.slice(1));
  else rel = path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
  if (rel === ".." || rel.startsWith("../")) return `${target} is outside the repository`;
  const abs = path.join(root, rel);
  if (!existsSync(abs)) return `${rel} does not exist`;
  if (rel !== "." && gitIgnored(root, rel)) return `${rel} is git-ignored, so a clone does not have it`;
  if (anchor === null || anchor === "") return null;
  if (!rel.endsWith(".md") || statSync(abs).isDirectory()) {
    return isLineAnchor(anchor) ? null : `#${anchor}: ${rel} is not a Markdown file, so it has no such anchor`;
  }
  if (!anchorCache.has(rel)) anchorCache.set(rel, headingAnchors(abs));
  if (!anchorCache.get(rel).has(anchor)) return `no heading in ${rel} makes the anchor #${anchor}`;
  return null;
}

// Every relative link of the given files (relative to root): [{ file, line, href, problem }].
export function checkFiles(root, files) {
  const cache = new Map();
  const results = [];
  for (const file of files) {
    for (const { line, href } of links(path.join(root, file))) {
      if (href === null || isExternal(href)) continue;
      results.push({ file, line, href, problem: checkLink(root, file, href, cache) });
    }
  }
  return results;
}
