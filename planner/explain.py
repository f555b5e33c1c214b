"""What each diagnostic code means, how to fix it, and an example (`planner explain CODE`).

One entry per code planner reports; `tests/test_reference.py` scans planner/ for every code a
`Diagnostic` can carry and fails when one has no entry here (or an entry names no code). The
Markdown form is committed as docs/diagnostics.md.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from planner.spec.reference import slug


@dataclass(frozen=True)
class Explanation:
    summary: str
    """One line: what went wrong."""
    meaning: str
    """Why planner reports it."""
    fix: str
    """What to change."""
    bad: str = ""
    """An example that causes it (YAML unless `language` says otherwise)."""
    good: str = ""
    """The same example, fixed."""
    language: str = "yaml"


E = Explanation
CATALOGUE: dict[str, Explanation] = {
    # --- validation of a document against its kind's model ---
    "unknown-key": E(
        "a key the kind does not define",
        "Spec models refuse keys they do not know, so a typo never silently drops a setting.",
        "Correct the spelling (the hint suggests the closest key) or remove the key; `planner schema --format markdown` lists every key.",
        "kind: risks\nrisks:\n  - id: R1\n    title: Drift\n    likelyhood: 4\n    impact: 3",
        "kind: risks\nrisks:\n  - id: R1\n    title: Drift\n    likelihood: 4\n    impact: 3",
    ),
    "missing-key": E(
        "a required key is missing",
        "The kind's model needs this key and it has no default (a document also needs its `kind`).",
        "Add the key; the reference marks every required key.",
        "kind: objectives\nobjectives:\n  - id: O1\n    metric: {name: roc_auc, target: 0.8}",
        "kind: objectives\nobjectives:\n  - id: O1\n    statement: Rank applicants by risk\n    metric: {name: roc_auc, target: 0.8}",
    ),
    "type": E(
        "a value of the wrong type",
        "Values are read strictly: text is not turned into a number, and YAML's `no`/`yes` are booleans, not text.",
        "Write the value as the type the key takes: numbers unquoted, text that looks like a boolean quoted.",
        'kind: risks\nrisks:\n  - id: R1\n    title: Drift\n    likelihood: "4"\n    impact: 3',
        "kind: risks\nrisks:\n  - id: R1\n    title: Drift\n    likelihood: 4\n    impact: 3",
    ),
    "invalid": E(
        "a value the key does not allow",
        "The value has the right type but breaks a rule: not one of the allowed values, out of bounds, a bad id, "
        "email or date, or a combination the kind refuses (e.g. a checklist item marked done without an answer).",
        "Follow the message and hint; the reference lists each key's allowed values and bounds.",
        "kind: risks\nrisks:\n  - id: R1\n    title: Drift\n    likelihood: 4\n    impact: 3\n    status: pending",
        "kind: risks\nrisks:\n  - id: R1\n    title: Drift\n    likelihood: 4\n    impact: 3\n    status: open",
    ),
    "not-a-mapping": E(
        "a spec document is not a mapping",
        "Every document of a spec file must be a mapping that starts with `kind`; a list or a bare value is not a spec.",
        "Make the document a mapping with a `kind`.",
        "- id: R1\n  title: Drift",
        "kind: risks\nrisks:\n  - id: R1\n    title: Drift\n    likelihood: 4\n    impact: 3",
    ),
    "unknown-kind": E(
        "a `kind` planner does not know",
        "A document's `kind` selects its model; this one names none of the registered kinds.",
        "Use one of the kinds the reference lists (the hint suggests the closest).",
        "kind: risk\nrisks: []",
        "kind: risks\nrisks: []",
    ),
    # --- cross-checks of the project ---
    "duplicate-id": E(
        "an id is used twice",
        "Ids are unique across the whole project, since references name items by id alone.",
        "Rename one of the items (the hint names where the first is defined).",
        "kind: constraints\nconstraints:\n  - {id: R1, category: budget, statement: At most 10k EUR}\n# and a risk R1 elsewhere",
        "kind: constraints\nconstraints:\n  - {id: C1, category: budget, statement: At most 10k EUR}",
    ),
    "unresolved-ref": E(
        "a reference to an id that does not exist",
        "A key that refers to another item (`goal`, `baselines`, `links`, a waiver's `item`...) names an id no item has.",
        "Correct the id (the hint suggests a close one) or add the item it refers to.",
        "objectives:\n  - id: O1\n    goal: G7\n    statement: Rank applicants\n    metric: {name: roc_auc, target: 0.8}",
        "objectives:\n  - id: O1\n    goal: G1\n    statement: Rank applicants\n    metric: {name: roc_auc, target: 0.8}",
    ),
    "wrong-kind": E(
        "a reference to an item of the wrong kind",
        "The key refers to items of one kind (an objective's `goal` must be a goal), and the id belongs to another.",
        "Refer to an item of the kind the key expects.",
        "objectives:\n  - id: O1\n    goal: B1  # a baseline\n    statement: Rank applicants\n    metric: {name: roc_auc, target: 0.8}",
        "objectives:\n  - id: O1\n    goal: G1\n    statement: Rank applicants\n    metric: {name: roc_auc, target: 0.8}",
    ),
    "cycle": E(
        "items depend on each other in a circle",
        "References that order items (a goal's `parent`, an objective's `depends_on`) must not loop back.",
        "Remove one reference of the cycle the message prints.",
        "objectives:\n  - {id: O1, depends_on: [O2], ...}\n  - {id: O2, depends_on: [O1], ...}",
        "objectives:\n  - {id: O1, depends_on: [O2], ...}\n  - {id: O2, ...}",
    ),
    "duplicate-kind": E(
        "a second document of a kind a project has once",
        "Some kinds (the `policy`) hold one set of terms per project; two would contradict each other.",
        "Merge the documents into one.",
        "# specs/policy.yaml\nkind: policy\n---\n# specs/more-policy.yaml\nkind: policy",
        "# specs/policy.yaml only\nkind: policy",
    ),
    # --- checks of one kind ---
    "missing-question": E(
        "a checklist item that is no standard question and has no `question`",
        "An item answers a standard question by its id; any other id is the project's own question and needs its text.",
        "Use the standard id (the hint suggests the closest) or add a `question`.",
        "kind: data-checklist\nid: D1\ndataset: loans\nitems:\n  - {id: acess, status: done, answer: Granted}",
        "kind: data-checklist\nid: D1\ndataset: loans\nitems:\n  - {id: access, status: done, answer: Granted}",
    ),
    "unanswered": E(
        "standard checklist questions without an answer (warning)",
        "A checklist with the standard template should answer every standard question.",
        "Add an item for each listed id, or mark it `n/a` with a `reason`; `template: none` drops the standard questions.",
        "kind: data-checklist\nid: D1\ndataset: loans\nitems: []",
        "kind: data-checklist\nid: D1\ndataset: loans\nitems:\n  - {id: platform, status: n/a, reason: In-house data only}\n  # ... one per standard question",
    ),
    "out-of-scale": E(
        "a likelihood or impact above the risk matrix's scale",
        "Ratings run from 1 to the `scale` of the register (5 by default).",
        "Use a rating within the scale, or enlarge `scale`.",
        "kind: risks\nrisks:\n  - {id: R1, title: Drift, likelihood: 7, impact: 3}",
        "kind: risks\nscale: {likelihood: 7, impact: 5}\nrisks:\n  - {id: R1, title: Drift, likelihood: 7, impact: 3}",
    ),
    "unmanaged-risk": E(
        "a high or critical risk without an owner or a mitigation (warning)",
        "A severe risk needs someone accountable and something done about it; the gate checks it by default.",
        "Give the risk an `owner` and at least one `mitigation`, or close it.",
        "risks:\n  - {id: R1, title: Drift, likelihood: 4, impact: 4}",
        "risks:\n  - id: R1\n    title: Drift\n    likelihood: 4\n    impact: 4\n    owner: ml-lead@bank.example\n    mitigations: [Monthly drift report]",
    ),
    "residual-above-inherent": E(
        "a residual rating above the risk's rating before treatment (warning)",
        "Mitigations lower a risk; a residual score above the inherent one is usually a slip in the ratings.",
        "Check both ratings.",
        "risks:\n  - {id: R1, title: Drift, likelihood: 2, impact: 3, residual: {likelihood: 3, impact: 3}}",
        "risks:\n  - {id: R1, title: Drift, likelihood: 4, impact: 3, residual: {likelihood: 2, impact: 3}}",
    ),
    "overlapping-bands": E(
        "two risk bands share scores",
        "Each score of the matrix belongs to exactly one band.",
        "Make the band ranges meet without overlapping.",
        "bands: {low: 1-5, medium: 5-9, high: 10-25}",
        "bands: {low: 1-4, medium: 5-9, high: 10-25}",
    ),
    "uncovered-scores": E(
        "scores of the matrix that no band covers",
        "Together the bands must cover every score likelihood x impact can take.",
        "Extend the bands to the scores the message lists.",
        "bands: {low: 1-4, medium: 5-9, high: 10-16}",
        "bands: {low: 1-4, medium: 5-9, high: 10-16, critical: 17-25}",
    ),
    "orphan-goal": E(
        "a goal no objective serves (warning)",
        "A business goal should be pursued by at least one model objective, or it is not part of this project.",
        "Add an objective whose `goal` is this goal, or remove the goal.",
        "goals:\n  - {id: G1, statement: Cut losses}\nobjectives: []",
        "goals:\n  - {id: G1, statement: Cut losses}\nobjectives:\n  - {id: O1, goal: G1, statement: Rank applicants, metric: {name: roc_auc, target: 0.8}}",
    ),
    "orphan-objective": E(
        "an objective that serves no goal (warning)",
        "An objective should say which business goal it serves, so reports can trace it.",
        "Set its `goal`.",
        "objectives:\n  - {id: O1, statement: Rank applicants, metric: {name: roc_auc, target: 0.8}}",
        "objectives:\n  - {id: O1, goal: G1, statement: Rank applicants, metric: {name: roc_auc, target: 0.8}}",
    ),
    "unknown-band": E(
        "the policy's `max_risk_band` names no band of the risk register",
        "The gate compares each open risk's band with `max_risk_band`, so it must be one of the register's bands.",
        "Use a band name of the risks document.",
        "kind: policy\nrequire: {max_risk_band: moderate}",
        "kind: policy\nrequire: {max_risk_band: medium}",
    ),
    "unknown-approver": E(
        "a waiver approved by someone the policy's `approvers` does not list",
        "When the policy lists `approvers`, only they may approve waivers.",
        "Have a listed approver approve it, or add the approver to `approvers` (in review).",
        "approvers: [risk@bank.example]\nwaivers:\n  - {item: O1, reason: Pilot, approver: dev@bank.example, expires: 2026-12-31}",
        "approvers: [risk@bank.example]\nwaivers:\n  - {item: O1, reason: Pilot, approver: risk@bank.example, expires: 2026-12-31}",
    ),
    "waiver-too-long": E(
        "a waiver that lasts longer than `max_waiver_days`",
        "The policy caps how long a waiver may last, from its `granted` date (today without one) to `expires`.",
        "Shorten the waiver, or renew it later.",
        "max_waiver_days: 30\nwaivers:\n  - {item: O1, reason: Pilot, approver: risk@bank.example, granted: 2026-01-01, expires: 2026-06-30}",
        "max_waiver_days: 30\nwaivers:\n  - {item: O1, reason: Pilot, approver: risk@bank.example, granted: 2026-01-01, expires: 2026-01-31}",
    ),
    "unknown-feature": E(
        "a limit on a feature the audit does not have",
        "A limit's `feature` must be one of the audit's `sensitive_features` or an intersection (`a & b`).",
        "Name a sensitive feature of this audit.",
        "sensitive_features: [sex]\nlimits:\n  - {metric: demographic_parity_ratio, op: '>=', value: 0.8, feature: gender}",
        "sensitive_features: [sex]\nlimits:\n  - {metric: demographic_parity_ratio, op: '>=', value: 0.8, feature: sex}",
    ),
    "unassessed-harm": E(
        "sources of harm a bias audit has not assessed (warning)",
        "A bias audit assesses the seven sources of harm (Suresh & Guttag 2021) or says one does not apply.",
        "Add each listed source under `harms` with a `status` and a `finding`.",
        "harms:\n  historical: {status: assessed, finding: Past approvals favoured one group}",
        "harms:\n  historical: {status: assessed, finding: Past approvals favoured one group}\n  deployment: {status: not-applicable, finding: Used only for the audited decision}\n  # ... all seven",
    ),
    "threshold-mismatch": E(
        "an audit states another decision threshold than the evaluation plan (warning)",
        "The threshold in use is stated in two places with two values; one of them is wrong.",
        "State it once: remove the audit's `threshold` to use the plan's, or correct one of them.",
        "# evaluation: threshold: {policy: fixed, value: 0.5}\nkind: bias-audit\nthreshold: 0.4",
        "# evaluation: threshold: {policy: fixed, value: 0.5}\nkind: bias-audit  # no threshold: the plan's",
    ),
    "threshold-disagreement": E(
        "the predictions were made at another threshold than the one stated (warning)",
        "The audit's prediction column is not `score >= threshold` on every row, so the stated threshold is not the one used.",
        "State the threshold the predictions were made at (the evaluation plan's `threshold.value`), or regenerate the predictions.",
        "threshold: {policy: fixed, value: 0.5}  # predictions made at 0.4",
        "threshold: {policy: fixed, value: 0.4}",
    ),
    "unknown-role": E(
        "`planner signoff` with a role the policy does not require",
        "A sign-off counts only for a role in the policy's `require.signoffs`; a typo would record a useless one.",
        "Sign off with one of the roles listed, or add the role to `require.signoffs`.",
        "planner signoff . --role risk-oficer --name 'A. Jones'",
        "planner signoff . --role risk-officer --name 'A. Jones'",
        "sh",
    ),
    "unknown-profile": E(
        "a profile, `--profile` or `require.coverage.profile` names no catalogue",
        "Coverage is judged against a catalogue by its id; an unknown one would report nothing at all.",
        "Name a built-in catalogue (eu-ai-act-high-risk, nist-ai-rmf-1.0, iso-42001-annex-a, iso-23894) "
        "or the `id` of one of the project's `catalogue` documents.",
        "profiles:\n  eu-ai-act: {}",
        "profiles:\n  eu-ai-act-high-risk: {}",
    ),
    "unknown-entry": E(
        "a `satisfies` claim or a `not_applicable` entry names no entry of its catalogue",
        "A claim for an obligation that does not exist would cover nothing, and the real obligation would stay missing.",
        "Use `prefix:entry` with an entry id of the catalogue (`planner coverage . --profile NAME` lists them).",
        "satisfies: [eu-ai-act:art-10.2x]",
        "satisfies: [eu-ai-act:art-10.2f]",
    ),
    "unknown-evidence": E(
        "an evidence rule of a catalogue names a kind or property no spec model has",
        "A rule that selects nothing leaves its obligation missing for every project, however complete.",
        "Name an item kind (`risk`, `objective`, `oversight-measure`), a document kind (`system`) or "
        "`project`, and a field of it (dotted for nested fields).",
        "evidence:\n  - {kind: riks, property: owner}",
        "evidence:\n  - {kind: risk, property: owner}",
    ),
    "duplicate-catalogue": E(
        "a project catalogue has the id of a built-in one",
        "Profiles and `--profile` name catalogues by id; two with one id would make coverage ambiguous.",
        "Give the project's catalogue an id of its own.",
        "kind: catalogue\nid: nist-ai-rmf-1.0",
        "kind: catalogue\nid: our-ai-policy",
    ),
    "not-signoffs": E(
        "signoffs.yaml holds a document of another kind",
        "`planner signoff` rewrites signoffs.yaml, so it may only hold the `signoffs` document.",
        "Move the other document into a spec file.",
        "# signoffs.yaml\nkind: policy",
        "# signoffs.yaml\nkind: signoffs\nsignoffs: []",
    ),
    "invalid-project": E(
        "a command that needs a valid project met validation errors",
        "Signing off, reporting or gating an invalid project could approve or pass documents that were not read.",
        "Run `planner validate` and fix the errors first.",
        "planner signoff broken-project --role risk-officer --name 'A. Jones'",
        "planner validate broken-project  # fix what it reports, then sign off",
        "sh",
    ),
    "bad-id": E(
        "`planner init --id` with a value that is not an id",
        "The project id is written into planner.yaml, where it must be a valid id.",
        "Start with a letter; use letters, digits, `_`, `.` and `-` (at most 64 characters).",
        "planner init credit --id '2026 credit'",
        "planner init credit --id credit-2026",
        "sh",
    ),
    "bad-name": E(
        "`planner init --name` that is not one line of printable text",
        "The project name is written into planner.yaml and shown in reports.",
        "Give a short, printable name.",
        "planner init credit --name ''",
        "planner init credit --name 'Credit default scoring'",
        "sh",
    ),
    # --- reading YAML ---
    "yaml-syntax": E(
        "the file is not valid YAML",
        "The YAML parser stopped at this position: bad indentation, a tab, an unclosed quote or bracket.",
        "Fix the file around the position shown; indent with spaces.",
        "risks:\n  - id: R1\n   title: Drift",
        "risks:\n  - id: R1\n    title: Drift",
    ),
    "duplicate-key": E(
        "a key appears twice in one mapping",
        "YAML would keep only the last value silently; planner refuses the file instead.",
        "Keep one of them.",
        "- id: R1\n  impact: 3\n  impact: 4",
        "- id: R1\n  impact: 4",
    ),
    "bad-key": E(
        "a mapping key that is not a plain scalar",
        "Keys must be plain values (text or numbers), not lists or mappings.",
        "Write the key as text.",
        "? [a, b]\n: value",
        "a-b: value",
    ),
    "bad-merge": E(
        "a `<<` merge of something other than mappings",
        "A YAML merge key takes a mapping or a list of mappings.",
        "Merge a mapping, or write the keys out.",
        "defaults: &d [1, 2]\nrisk:\n  <<: *d",
        "defaults: &d {impact: 3}\nrisk:\n  <<: *d",
    ),
    "bad-scalar": E(
        "a value YAML cannot read as the type its tag implies",
        "A plain value that YAML reads as a number (`0x_`, `0b_`) could not be converted.",
        "Quote it to make it text.",
        "code: 0x_",
        'code: "0x_"',
    ),
    "unsafe-tag": E(
        "a YAML tag that is not allowed",
        "Planner reads plain YAML only: tags such as `!!python/object` could construct arbitrary objects.",
        "Remove the tag.",
        "threshold: !!python/object:os.system 'echo'",
        "threshold: 0.5",
    ),
    "too-deep": E(
        "the YAML nests deeper than planner reads",
        "Very deep nesting is refused before parsing, so a crafted file cannot exhaust memory or recursion.",
        "Flatten the structure.",
        "a: {b: {c: {d: ...}}}  # more than 64 levels",
        "a: {b: value}",
    ),
    "too-many-aliases": E(
        "more YAML aliases than planner expands",
        "Aliases (`*name`) are capped so a file cannot expand into a huge document (a billion laughs).",
        "Write the values out instead of aliasing them.",
        "a: &x [1]\nb: [*x, *x, *x, ...]  # more than 100 aliases",
        "a: [1]\nb: [[1], [1]]",
    ),
    "too-large": E(
        "aliases expand the YAML beyond what planner reads",
        "Aliases of aliases multiply; the expanded document is capped at 200,000 values.",
        "Remove the aliases.",
        "a: &a [1, 1, 1, 1]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]  # and so on",
        "a: [1, 1, 1, 1]",
    ),
    "bad-character": E(
        "a character YAML does not allow",
        "Control characters (other than tab and line breaks) are not valid in YAML text.",
        "Remove it; to keep it in a value, write it as an escape in double quotes.",
        "title: Drift\\x07  # a raw BEL character",
        'title: "Drift\\x07"',
    ),
    "encoding": E(
        "a spec file that is not UTF-8",
        "Spec files are read as strict UTF-8 (a byte-order mark is allowed).",
        "Save the file as UTF-8.",
        "iconv -f utf-8 -t latin1 specs/risks.yaml > x && mv x specs/risks.yaml",
        "iconv -f latin1 -t utf-8 specs/risks.yaml > x && mv x specs/risks.yaml",
        "sh",
    ),
    "file-too-large": E(
        "a spec file larger than the limit",
        "Spec files are capped (4 MiB by default) so a huge file cannot stall validation.",
        "Split the specs into smaller files, or raise `--max-file-size`.",
        "planner validate .",
        "planner validate . --max-file-size 16000000",
        "sh",
    ),
    # --- the project folder and the manifest ---
    "no-project": E(
        "no planner.yaml where the project should be",
        "PATH must be a project folder holding planner.yaml, or that file itself (in a revision too, for `planner diff`).",
        "Give the project folder, or create a project with `planner init DIR`.",
        "planner validate specs/",
        "planner validate .",
        "sh",
    ),
    "bad-manifest": E(
        "planner.yaml does not hold exactly one mapping",
        "The manifest is one YAML document: a mapping with `project` and `specs`.",
        "Make planner.yaml a single mapping (`planner init` writes an example).",
        "- project: credit",
        "project:\n  id: credit\n  name: Credit scoring\n  owner: po@bank.example\n  version: 1.0.0\n  problem: Reduce losses.\n  ml_fit: {pattern: History predicts repayment., simpler_alternative: A scorecard.}\nspecs: [specs/*.yaml]",
    ),
    "empty-glob": E(
        "a `specs` pattern matches no file (warning)",
        "A pattern of the manifest's `specs` list found nothing, so those specs are not read.",
        "Check the pattern against the files.",
        "specs: [spec/*.yaml]",
        "specs: [specs/*.yaml]",
    ),
    "outside-project": E(
        "a `specs` pattern or file leads outside the project folder",
        "Specs are read only from inside the project folder, also through symbolic links.",
        "Use a pattern relative to the project folder, and no links out of it.",
        "specs: [../shared/*.yaml]",
        "specs: [specs/*.yaml]",
    ),
    "target-exists": E(
        "`planner init` into a folder that is not empty",
        "The starter project is written only into a new or empty folder, so nothing is overwritten.",
        "Choose a new folder.",
        "planner init .  # in a folder with files",
        "planner init credit-scoring",
        "sh",
    ),
    # --- the read boundary (any file planner reads) ---
    "input-outside": E(
        "a file that resolves outside the project folder",
        "Every file a project names is read only inside the project folder, with symbolic links followed; a link to "
        "/proc/self/environ must not leak CI secrets into reports.",
        "Put the file inside the project folder and name it by a relative path.",
        "predictions: data/preds.csv  # a link to /etc/passwd",
        "predictions: data/preds.csv  # a regular file in the project",
    ),
    "input-missing": E(
        "a file that does not exist",
        "A file the project names is not there.",
        "Create the file or correct the path (relative to the project folder).",
        "predictions: data/pred.csv",
        "predictions: data/preds.csv",
    ),
    "input-not-file": E(
        "a path that is not a regular file",
        "A folder, FIFO, device or symbolic link where a file is expected is refused: reading a FIFO or /dev/zero never ends.",
        "Name a regular file.",
        "predictions: data/",
        "predictions: data/preds.csv",
    ),
    "input-too-large": E(
        "a file larger than the limit of its kind",
        "Each kind of file has a size limit, so a huge or growing file cannot exhaust memory; an environment "
        "variable (e.g. PLANNER_MAX_RESULT_FILE_BYTES) sets another.",
        "Make the file smaller or raise the limit with its variable.",
        "planner status .  # a 100 MB metrics file",
        "PLANNER_MAX_RESULT_FILE_BYTES=200000000 planner status .",
        "sh",
    ),
    "input-unreadable": E(
        "a file that cannot be read",
        "The operating system refused to read the file (permissions, I/O error).",
        "Check the file's permissions.",
        "chmod 000 results/runs.csv",
        "chmod 644 results/runs.csv",
        "sh",
    ),
    "input-encoding": E(
        "a file that is not UTF-8",
        "Files are decoded as strict UTF-8; the bad byte is named by line and column.",
        "Save the file as UTF-8.",
        "iconv -f utf-8 -t latin1 file > x",
        "iconv -f latin1 -t utf-8 file > x",
        "sh",
    ),
    "input-json": E(
        "a JSON file that does not parse",
        "The file is not valid JSON at the position shown.",
        "Fix the JSON.",
        '{"roc_auc": 0.84,}',
        '{"roc_auc": 0.84}',
        "json",
    ),
    "input-too-deep": E(
        "JSON nested deeper than planner reads",
        "Deep nesting would exhaust the parser's recursion, so it is refused.",
        "Flatten the JSON.",
        "[[[[[[[[ ... ]]]]]]]]",
        '{"roc_auc": 0.84}',
        "json",
    ),
    "bad-setting": E(
        "a size-limit environment variable that is not a positive whole number",
        "A typo in a PLANNER_MAX_*_BYTES variable must not lift every limit.",
        "Set a whole number of bytes, or unset the variable for the default.",
        "PLANNER_MAX_RESULT_FILE_BYTES=64MB planner status .",
        "PLANNER_MAX_RESULT_FILE_BYTES=67108864 planner status .",
        "sh",
    ),
    # --- writing files ---
    "output-outside": E(
        "an output that would be written outside the project folder through a link",
        "Planner writes inside a project only where the path resolves inside it: a `reports/` that is a link out is refused.",
        "Remove the link, or write elsewhere with `--out`.",
        "ln -s /etc reports && planner report .",
        "rm reports && planner report .",
        "sh",
    ),
    "output-locked": E(
        "a file another planner process holds locked",
        "Read-modify-writes (signoffs.yaml, the audit cache) take a lock so two runs keep both changes.",
        "Wait for the other process; if none runs, remove the `.NAME.lock` file named.",
        "planner signoff . --role risk-officer --name A &\nplanner signoff . --role product-owner --name B",
        "planner signoff . --role risk-officer --name A\nplanner signoff . --role product-owner --name B",
        "sh",
    ),
    # --- evidence: result sources and the candidate run ---
    "evidence-missing": E(
        "a result source's folder or file does not exist",
        "The `path` of a results source names nothing.",
        "Correct the path (relative to the project folder) or write the runs there first.",
        "sources:\n  - {id: S1, type: mlflow, path: mlrun}",
        "sources:\n  - {id: S1, type: mlflow, path: mlruns}",
    ),
    "evidence-outside": E(
        "a result source leads outside the project folder",
        "Result files are read only inside the project folder, also through links.",
        "Keep the runs inside the project folder.",
        "sources:\n  - {id: S1, type: table, path: runs.csv}  # a link to ../../runs.csv",
        "sources:\n  - {id: S1, type: table, path: results/runs.csv}",
    ),
    "evidence-unreadable": E(
        "a result file that cannot be read or decoded",
        "A file of a result source could not be read, or is not UTF-8.",
        "Check the file's permissions and encoding.",
    ),
    "evidence-json": E(
        "a result file with invalid or unexpected JSON",
        "A JSON run table must hold a list of objects (JSON lines: one object per line); metrics files must parse.",
        "Fix the JSON.",
        '{"run_id": "r1", "roc_auc": 0.8}',
        '[{"run_id": "r1", "roc_auc": 0.8}]',
        "json",
    ),
    "evidence-csv": E(
        "a run table that is not readable CSV",
        "The CSV reader stopped at the line shown.",
        "Fix the CSV (quotes, separators).",
        'run_id,roc_auc\nr1,"0.8',
        "run_id,roc_auc\nr1,0.8",
        "csv",
    ),
    "evidence-metric-line": E(
        "an MLflow metric file with a malformed line",
        "Each line of an MLflow metric file is `timestamp value step`.",
        "Repair or remove the file (MLflow writes it).",
        "1700000000000 0.84",
        "1700000000000 0.84 0",
        "text",
    ),
    "evidence-not-numeric": E(
        "a metric value that is not a number",
        "Metrics are numbers; a value such as `n/a` is no evidence.",
        "Record the metric as a number, or leave it out.",
        "run_id,roc_auc\nr1,n/a",
        "run_id,roc_auc\nr1,0.84",
        "csv",
    ),
    "evidence-meta": E(
        "an MLflow meta.yaml without a required entry",
        "A run or experiment folder's meta.yaml lacks a key MLflow always writes.",
        "Repair the run folder, or log the run again.",
    ),
    "evidence-no-experiment": E(
        "a results source names an MLflow experiment that does not exist",
        "The source's `experiment` must be the name of an experiment of the store (the message lists them).",
        "Use one of the experiment names listed.",
        "sources:\n  - {id: S1, type: mlflow, path: mlruns, experiment: credit}",
        "sources:\n  - {id: S1, type: mlflow, path: mlruns, experiment: credit-default}",
    ),
    "evidence-no-run-id": E(
        "a run table without its run id column, or a row without a run id",
        "Every run needs an id, from the column `run_id_column` names (default `run_id`).",
        "Add the column, or set `run_id_column`.",
        "sources:\n  - {id: S1, type: table, path: runs.csv}  # its column is `id`",
        "sources:\n  - {id: S1, type: table, path: runs.csv, run_id_column: id}",
    ),
    "evidence-duplicate-run": E(
        "a run id appears twice in a run table",
        "Run ids identify runs; two rows with one id make the candidate ambiguous.",
        "Give each run its own id.",
        "run_id,roc_auc\nr1,0.80\nr1,0.84",
        "run_id,roc_auc\nr1,0.80\nr2,0.84",
        "csv",
    ),
    "evidence-wandb-log": E(
        "a W&B history file with a line that is not a JSON object",
        "Each line of a W&B history file is one JSON object.",
        "Repair the file, or sync the run again.",
    ),
    "evidence-no-client": E(
        "a tracking URI without mlflow installed",
        "Reading runs from an MLflow tracking server needs the mlflow client.",
        "Install it: `pip install 'planner[mlflow]'`, or read an `mlruns` folder by `path`.",
        "pip install planner",
        "pip install 'planner[mlflow]'",
        "sh",
    ),
    "evidence-tracking": E(
        "MLflow at a tracking URI could not be read",
        "The server did not answer, refused the credentials, a `${NAME}` variable is not set, or a driver is missing.",
        "Check the URI, the network and the credentials (the message says which); put secrets in `${NAME}` variables.",
        "sources:\n  - {id: S1, type: mlflow, uri: 'https://user:secret@mlflow.example.com'}",
        "sources:\n  - {id: S1, type: mlflow, uri: 'https://${MLFLOW_USER}:${MLFLOW_PASSWORD}@mlflow.example.com'}",
    ),
    "candidate-none": E(
        "no run matches the candidate rule",
        "The results spec's `candidate` (a run id, tags or a best-run rule) selects no run of the sources.",
        "Check the candidate against the runs the sources hold.",
        "candidate: {run: 3f2a}",
        "candidate: {run: 3f2a9c1e}",
    ),
    "candidate-ambiguous": E(
        "several runs match the candidate rule",
        "The candidate is one run; tags carried by several runs do not say which.",
        "Tag only the candidate run, or choose it by run id.",
        "candidate: {tag: {stage: staging}}",
        "candidate: {tag: {candidate: 'true'}}",
    ),
    # --- bias audits ---
    "audit-input": E(
        "the predictions file cannot be audited as the spec describes",
        "A column the audit names is missing, the positive label is not found, scores are not numbers, or there "
        "are too many groups.",
        "Fix the spec's columns or the predictions file, as the message says.",
        "label: defaulted\npositive_label: yes",
        "label: default\npositive_label: 1",
    ),
    "missing-file": E(
        "the predictions file of an audit does not exist",
        "An audit's `predictions` names a file that is not there.",
        "Run the script that writes it, or correct the path.",
        "predictions: data/predictions.csv",
        "predictions: outputs/predictions.csv",
    ),
    # --- reports ---
    "report-template": E(
        "a project report template cannot be used",
        "A template of the project's `templates/` folder has a syntax error, failed while rendering or was refused by the read boundary.",
        "Fix the template the message names.",
        "{{ project.name }",
        "{{ project.name }}",
        "jinja",
    ),
    "report-fetch": E(
        "the PDF refers to a resource it may not fetch",
        "Reports may only use inline data and files of the project's `templates/` folder; nothing is fetched from the network.",
        "Use files of `templates/` or inline data in the templates.",
        '<img src="https://example.com/logo.png">',
        '<img src="logo.png">  <!-- templates/logo.png -->',
        "html",
    ),
    "bad-source-date-epoch": E(
        "SOURCE_DATE_EPOCH is not a whole number of seconds",
        "Reports are dated by SOURCE_DATE_EPOCH when set (reproducible builds).",
        "Give whole seconds since 1970-01-01 UTC, or unset it.",
        "SOURCE_DATE_EPOCH=2026-01-01 planner report .",
        "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) planner report .",
        "sh",
    ),
    # --- planner diff and git revisions ---
    "bad-revision": E(
        "a side of `planner diff` is not a revision",
        "REV:PATH needs a commit, branch or tag before the colon.",
        "Write REV:PATH, e.g. HEAD~1:examples/adult-income.",
        "planner diff ' HEAD':examples/adult-income examples/adult-income",
        "planner diff HEAD~1:examples/adult-income examples/adult-income",
        "sh",
    ),
    "unknown-revision": E(
        "no commit of that name in the repository",
        "The revision before the colon names no branch, tag or commit.",
        "Check the name with `git log --oneline`.",
        "planner diff mian:examples/adult-income examples/adult-income",
        "planner diff main:examples/adult-income examples/adult-income",
        "sh",
    ),
    "not-a-repository": E(
        "REV:PATH outside a git repository",
        "A revision is read from the git repository around the working folder.",
        "Run planner diff inside the repository, or give both sides as folders.",
        "cd /tmp && planner diff HEAD~1:. .",
        "cd ~/credit && planner diff HEAD~1:. .",
        "sh",
    ),
    "outside-repository": E(
        "the path of REV:PATH lies outside the repository",
        "The project path of a revision must be inside the repository it is read from.",
        "Give a path inside the repository.",
        "planner diff HEAD~1:../other .",
        "planner diff HEAD~1:examples/adult-income examples/adult-income",
        "sh",
    ),
    "git-missing": E(
        "git is not installed",
        "Comparing with a revision reads it with git.",
        "Install git, or give both sides as folders.",
    ),
    "git-failed": E(
        "a git command failed",
        "git reported an error reading the revision (its first line is shown).",
        "Check the revision and the path.",
    ),
    # --- the CLI ---
    "unknown-item": E(
        "`planner trace` with an id no item has",
        "The item to trace must be an id of the project (or a run of its evidence).",
        "Use an id the project defines (the message suggests a close one).",
        "planner trace . 01",
        "planner trace . O1",
        "sh",
    ),
    "unknown-code": E(
        "`planner explain` with a code planner does not report",
        "Each diagnostic code is listed by `planner explain`.",
        "Use a code from the list (the message suggests a close one).",
        "planner explain unknown-keys",
        "planner explain unknown-key",
        "sh",
    ),
    "os": E(
        "the operating system refused an operation",
        "An output folder that is a file, a full disk or a missing permission: the message names the file.",
        "Fix what the message names (choose another output, free space, fix permissions).",
        "planner report . --out /usr/share/reports  # no permission there",
        "planner report . --out reports",
        "sh",
    ),
}


def explain(code: str) -> str | None:
    """The explanation of `code` as terminal text, or None when there is no such code."""
    entry = CATALOGUE.get(normalise(code))
    if entry is None:
        return None
    lines = [f"{normalise(code)}: {entry.summary}", "", entry.meaning, "", f"Fix: {entry.fix}"]
    if entry.bad:
        lines += ["", "Example:", *_indented(entry.bad), "", "Fixed:", *_indented(entry.good)]
    return "\n".join(lines) + "\n"


def _indented(text: str) -> list[str]:
    return ["    " + line for line in text.splitlines()]


def normalise(code: str) -> str:
    """`error[unknown-key]` or ` Unknown-Key ` as the code `unknown-key`."""
    text = code.strip().lower()
    for prefix in ("error[", "warning["):
        if text.startswith(prefix) and text.endswith("]"):
            text = text[len(prefix) : -1]
    return text


def close_codes(code: str) -> list[str]:
    return difflib.get_close_matches(normalise(code), list(CATALOGUE), n=1, cutoff=0.5)


def listing() -> str:
    """Every code with its summary, one a line."""
    width = max(map(len, CATALOGUE))
    return "".join(f"{code:<{width}}  {entry.summary}\n" for code, entry in sorted(CATALOGUE.items()))


def entry_markdown(code: str) -> str | None:
    """One entry as docs/diagnostics.md holds it, or None when there is no such code."""
    code = normalise(code)
    entry = CATALOGUE.get(code)
    if entry is None:
        return None
    assert slug(code) == code, f"{code!r} is not its own anchor"
    lines = [
        f"## {code}",
        "",
        f"**{entry.summary[:1].upper()}{entry.summary[1:]}.** {entry.meaning}",
        "",
        f"**Fix:** {entry.fix}",
        "",
    ]
    if entry.bad:
        lines += ["Example:", "", f"```{entry.language}", entry.bad, "```", "", "Fixed:", ""]
        lines += [f"```{entry.language}", entry.good, "```", ""]
    return "\n".join(lines)


def catalogue_markdown() -> str:
    """The catalogue as docs/diagnostics.md holds it."""
    lines = [
        "# Diagnostics",
        "",
        "Every problem planner reports carries a code, printed as `error[CODE]` or `warning[CODE]` and in",
        "the `code` field of JSON output. `planner explain CODE` prints its entry in the terminal;",
        "`planner explain` lists every code.",
        "",
    ]
    lines += [entry_markdown(code) or "" for code in sorted(CATALOGUE)]
    return "\n".join(lines).rstrip("\n") + "\n"
