#!/usr/bin/env python3
"""The operator documentation against the running system.

Every relative link in README.md and the Markdown under docs/, config/,
sql/, actors/ and ansible/ must name a file that exists (and, with
#anchor, a heading in it, by GitHub's rules). Every variable of an Ansible
role's defaults must be documented in the role's README and in
docs/deployment.md or docs/node-exporter-deployment.md. Every ```yaml example must be
marked with the config it is, on the line before its fence:
<!-- check-config: agent|ingest|digest|dev --> (then `nodepulse
check-config --role ROLE` must accept it) or <!-- check-config: none -->
(YAML that is not a Node Pulse config, e.g. an Ansible play). A block
marked <!-- from: PATH --> must be that file of the repository, verbatim
(both marks may share one comment: <!-- check-config: agent; from: PATH -->).

Usage: docs_check.py SOURCE_DIR NODEPULSE_BINARY
"""
import pathlib
import re
import subprocess
import sys
import tempfile

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MARK = re.compile(r"<!-- .*check-config: (agent|ingest|digest|dev|none)\b.*-->")
FROM = re.compile(r"<!-- .*from: ([^\s;]+).*-->")


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        found, fenced = set(), False
        for line in path.read_text().splitlines():
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and line.startswith("#"):
                found.add(slug(line.lstrip("#")))
        cache[path] = found
    return cache[path]


def main(src, nodepulse):
    src = pathlib.Path(src)
    files = [src / "README.md"]
    for folder in ("docs", "config", "sql", "actors", "ansible"):
        files += sorted((src / folder).rglob("*.md"))
    problems, links, examples = [], 0, 0
    for doc in files:
        lines = doc.read_text().splitlines()
        fenced = False
        for number, line in enumerate(lines, 1):
            where = f"{doc.relative_to(src)}:{number}"
            if line.startswith("```"):
                if not fenced and line.strip() in ("```yaml", "```yml"):
                    examples += 1
                    problems += check_example(where, lines, number, nodepulse)
                if not fenced:
                    problems += check_copy(where, src, lines, number)
                fenced = not fenced
                continue
            if fenced:
                continue
            for target in LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue  # http:, https:, mailto:
                links += 1
                name, _, anchor = target.partition("#")
                path = (doc.parent / name).resolve() if name else doc
                if not path.exists():
                    problems.append(f"{where}: link to {target}: no such file")
                elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                    problems.append(f"{where}: link to {target}: no heading #{anchor} in {name or doc.name}")
    problems += check_role_variables(src)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(files)} files, {links} relative links, {examples} yaml examples, {len(problems)} problems")
    return 1 if problems else 0


def check_role_variables(src):
    """Every variable of every role's defaults is in its README and in a
    deployment guide (the whole system's, or the agent side's)."""
    guides = [src / "docs" / "deployment.md", src / "docs" / "node-exporter-deployment.md"]
    guide_text = "".join(g.read_text() for g in guides)
    problems = []
    for defaults in sorted((src / "ansible" / "roles").glob("*/defaults/main.yml")):
        role = defaults.parent.parent
        names = re.findall(r"(?m)^([a-z][a-z0-9_]*):", defaults.read_text())
        readme = (role / "README.md").read_text()
        for name in names:
            if f"`{name}`" not in readme:
                problems.append(f"{(role / 'README.md').relative_to(src)}: {role.name}'s variable {name} is not documented")
            if f"`{name}`" not in guide_text:
                problems.append(f"docs/deployment.md: {role.name}'s variable {name} is in no deployment guide")
    return problems


def block_at(lines, fence_line):
    """The lines of the fenced block opening at `fence_line` (1-based)."""
    body = []
    for line in lines[fence_line:]:
        if line.startswith("```"):
            break
        body.append(line)
    return body


def check_copy(where, src, lines, fence_line):
    """A block marked <!-- from: PATH --> is that file, verbatim."""
    before = [l for l in lines[: fence_line - 1] if l.strip()][-1:]
    mark = FROM.fullmatch(before[0].strip()) if before else None
    if not mark:
        return []
    path = src / mark.group(1)
    if not path.exists():
        return [f"{where}: copied from {mark.group(1)}, which does not exist"]
    if "\n".join(block_at(lines, fence_line)).strip() != path.read_text().strip():
        return [f"{where}: differs from {mark.group(1)}: copy the file again"]
    return []


def check_example(where, lines, fence_line, nodepulse):
    """The yaml block opening at `fence_line` (1-based): marked, and accepted."""
    before = [l for l in lines[: fence_line - 1] if l.strip()][-1:]
    mark = MARK.fullmatch(before[0].strip()) if before else None
    if not mark:
        return [f"{where}: a yaml example without <!-- check-config: ROLE --> on the line before it"]
    body = block_at(lines, fence_line)
    role = mark.group(1)
    if role == "none":
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        f.write("\n".join(body) + "\n")
        f.flush()
        run = subprocess.run([nodepulse, "check-config", "--role", role, "-c", f.name],
                             capture_output=True, text=True)
    if run.returncode != 0:
        why = run.stderr.strip().replace(f.name, "example")
        return [f"{where}: this {role} config example is refused: {why}"]
    return []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
