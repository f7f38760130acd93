"""Tests of scripts/check_links.py: GitHub's heading anchors, and which links
count as broken. Run: python3 -m unittest discover -s scripts -p 'test_check_links.py'"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_links  # noqa: E402


class Anchors(unittest.TestCase):
    def test_slugs_follow_github(self):
        cases = {
            "Adding an operation": "adding-an-operation",
            "The link's secret never touches the table": "the-links-secret-never-touches-the-table",
            "`do_thing` and _emphasis_": "do_thing-and-emphasis",
            "Feedback: bounces and complaints": "feedback-bounces-and-complaints",
            "[Linked](x.md) **bold**": "linked-bold",
            "`make dev`": "make-dev",
        }
        for heading, anchor in cases.items():
            self.assertEqual(check_links.slug(heading), anchor, heading)

    def test_repeated_headings_are_numbered_and_code_is_skipped(self):
        text = "# A\n## A\nSetext\n---\n```\n# Not a heading\n[x](nowhere.md)\n```\n`[y](nowhere.md)`\n"
        anchors, links = check_links.scan(text)
        self.assertEqual(anchors, {"a", "a-1", "setext"})
        self.assertEqual(links, [])

    def test_links_of_every_form_are_found(self):
        text = '[a](one.md) ![b](two.png "title") <a href="three.md#x">c</a>\n[ref]: <four.md>\n'
        _, links = check_links.scan(text)
        self.assertEqual([t for _, t in links], ["one.md", "two.png", "three.md#x", "<four.md>"])


class TheRepository(unittest.TestCase):
    def test_every_link_resolves(self):
        files = [check_links.ROOT / f for f in check_links.repository_files() if f.endswith(".md")]
        self.assertEqual(check_links.check(files), [])


if __name__ == "__main__":
    unittest.main()
