# python-escpos printing a ticket and reading paper / cover status from the emulated printer.
import sys, time
from escpos.printer import Serial
p = Serial(devfile=sys.argv[1], baudrate=115200, timeout=1)
print("online:", p.is_online())
print("paper_status:", p.paper_status())   # 2 = OK, 1 = near end, 0 = no paper
p.set(align="center", double_height=True, double_width=True, bold=True)
p.text("BA007\n")
p.set(align="left", normal_textsize=True)
p.text("Please wait to be called\n")
p.qr("TICKET:BA007", size=6)
p.cut()
time.sleep(1.5)
print("after print, paper:", p.paper_status())
time.sleep(3)
print("paper out ->", p.paper_status(), "online:", p.is_online())
time.sleep(3)
print("cover open -> online:", p.is_online())
