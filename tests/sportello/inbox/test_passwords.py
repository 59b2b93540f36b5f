from sportello.inbox.passwords import hash_password, verify_password


def test_hashes_are_salted_and_verified():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second
    assert verify_password("correct horse battery", first)
    assert not verify_password("correct horse batterY", first)


def test_broken_or_missing_hashes_never_verify():
    for stored in [None, "", "md5$abc", "scrypt$1$2$3$bad$bad", "scrypt$x$8$1$AAAA$AAAA"]:
        assert not verify_password("anything", stored)
