# pyfingerprint enrolling and searching a finger on the emulated fingerprint module.
import sys, time
from pyfingerprint.pyfingerprint import PyFingerprint, FINGERPRINT_CHARBUFFER1, FINGERPRINT_CHARBUFFER2
f = PyFingerprint(sys.argv[1], 57600, 0xFFFFFFFF, 0x00000000)
print("password verified:", f.verifyPassword())
print("templates stored:", f.getTemplateCount(), "of", f.getStorageCapacity())
def capture(buf):
    while not f.readImage():
        time.sleep(0.1)
    f.convertImage(buf)
# enrol: two presses of the same finger
capture(FINGERPRINT_CHARBUFFER1)
capture(FINGERPRINT_CHARBUFFER2)
print("same finger twice, compare score:", f.compareCharacteristics())
f.createTemplate()
pos = f.storeTemplate()
print("enrolled at position", pos, "; templates stored:", f.getTemplateCount())
# search: the same person again, then someone else
capture(FINGERPRINT_CHARBUFFER1)
print("search, same person:", f.searchTemplate())
capture(FINGERPRINT_CHARBUFFER1)
print("search, someone else:", f.searchTemplate())
print("index page 0 used positions:", [i for i, used in enumerate(f.getTemplateIndex(0)) if used])
