"""The offline rootfs is found again by a tag that digests everything that goes into it: a
change to its mmdebstrap options or packages builds a new one instead of reusing the old."""

from __future__ import annotations

from matrix.build import images


def test_the_rootfs_tag_changes_with_each_part_of_its_recipe(tmp_path, monkeypatch):
    sources = tmp_path / "debian.sources"
    sources.write_text("Types: deb\nURIs: http://archive.example/debian\nSuites: bookworm\n")
    tag = images.rootfs_tag(sources)
    assert images.rootfs_tag(sources) == tag
    for name, value in (("ROOTFS_OPTIONS", ("--variant=minbase",)),
                        ("ROOTFS_PACKAGES", (*images.ROOTFS_PACKAGES, "vim")),
                        ("ROOTFS_SUITE", "trixie")):
        with monkeypatch.context() as patch:
            patch.setattr(images, name, value)
            assert images.rootfs_tag(sources) != tag, name
    sources.write_text(sources.read_text().replace("bookworm", "bookworm-updates"))
    assert images.rootfs_tag(sources) != tag
