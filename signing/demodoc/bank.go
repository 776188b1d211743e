package demodoc

// The phrase bank of Example: fictitious agencies in the real administrative
// structure (two-level local government since July 2025), organisation codes
// in the real 13-character format of Decision 20/2020/QĐ-TTg, real laws and
// decrees as legal bases, and everyday administrative Vietnamese.

import "strconv"

// agency is an issuing agency of the bank.
type agency struct {
	name, parent string // upper case, as printed in the header
	code         string // mã định danh
	self         string // how the agency names itself in running text
	place        string
	abbr         string   // in notations: "UBND", "STC"
	units        []string // drafting units, in notations and "Lưu: VT, …"
	head, deputy string   // "CHỦ TỊCH", "PHÓ CHỦ TỊCH"
	authority    string   // who issues its decisions, upper case
	basis        string   // the organisational legal basis of its decisions
	proposer     string   // "Theo đề nghị của …"
	superior     string   // to whom its submissions go
	audience     []string // the usual recipients of its letters
}

func agencies() []agency {
	provincial := "Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025"
	return []agency{
		{
			name: "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", code: "000.00.00.H40",
			self: "Ủy ban nhân dân tỉnh", place: "Ninh Bình", abbr: "UBND", units: []string{"VP", "KT", "NC"},
			head: "CHỦ TỊCH", deputy: "PHÓ CHỦ TỊCH",
			authority: "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", basis: provincial,
			proposer: "Chánh Văn phòng Ủy ban nhân dân tỉnh", superior: "Hội đồng nhân dân tỉnh Ninh Bình",
			audience: []string{"Các sở, ban, ngành tỉnh", "Ủy ban nhân dân các xã, phường", "Các đơn vị sự nghiệp thuộc Ủy ban nhân dân tỉnh"},
		},
		{
			name: "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", code: "000.00.00.H26",
			self: "Ủy ban nhân dân Thành phố", place: "Hà Nội", abbr: "UBND", units: []string{"KGVX", "ĐT"},
			head: "CHỦ TỊCH", deputy: "PHÓ CHỦ TỊCH",
			authority: "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", basis: provincial,
			proposer: "Chánh Văn phòng Ủy ban nhân dân Thành phố", superior: "Hội đồng nhân dân Thành phố Hà Nội",
			audience: []string{"Các sở, ban, ngành Thành phố", "Ủy ban nhân dân các xã, phường", "Các đơn vị sự nghiệp trực thuộc Thành phố"},
		},
		{
			name: "SỞ TÀI CHÍNH", parent: "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ", code: "000.00.11.H48",
			self: "Sở Tài chính", place: "Phú Thọ", abbr: "STC", units: []string{"QLNS", "TCDN"},
			head: "GIÁM ĐỐC", deputy: "PHÓ GIÁM ĐỐC",
			authority: "GIÁM ĐỐC SỞ TÀI CHÍNH TỈNH PHÚ THỌ",
			basis:     "Quyết định của Ủy ban nhân dân tỉnh Phú Thọ quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Tài chính",
			proposer:  "Trưởng phòng Quản lý ngân sách", superior: "Ủy ban nhân dân tỉnh Phú Thọ",
			audience: []string{"Các sở, ban, ngành tỉnh", "Ủy ban nhân dân các xã, phường", "Các đơn vị dự toán cấp I thuộc tỉnh"},
		},
		{
			name: "SỞ NỘI VỤ", parent: "ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN", code: "000.00.05.H31",
			self: "Sở Nội vụ", place: "Hưng Yên", abbr: "SNV", units: []string{"CCVC", "VTLT"},
			head: "GIÁM ĐỐC", deputy: "PHÓ GIÁM ĐỐC",
			authority: "GIÁM ĐỐC SỞ NỘI VỤ TỈNH HƯNG YÊN",
			basis:     "Quyết định của Ủy ban nhân dân tỉnh Hưng Yên quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Nội vụ",
			proposer:  "Trưởng phòng Văn thư - Lưu trữ", superior: "Ủy ban nhân dân tỉnh Hưng Yên",
			audience: []string{"Các sở, ban, ngành tỉnh", "Ủy ban nhân dân các xã, phường"},
		},
		{
			name: "SỞ KHOA HỌC VÀ CÔNG NGHỆ", parent: "ỦY BAN NHÂN DÂN TỈNH BẮC NINH", code: "000.00.21.H06",
			self: "Sở Khoa học và Công nghệ", place: "Bắc Ninh", abbr: "SKHCN", units: []string{"CĐS", "BCVT"},
			head: "GIÁM ĐỐC", deputy: "PHÓ GIÁM ĐỐC",
			authority: "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH",
			basis:     "Quyết định của Ủy ban nhân dân tỉnh Bắc Ninh quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Khoa học và Công nghệ",
			proposer:  "Trưởng phòng Chuyển đổi số", superior: "Ủy ban nhân dân tỉnh Bắc Ninh",
			audience: []string{"Các sở, ban, ngành tỉnh", "Ủy ban nhân dân các xã, phường", "Các doanh nghiệp bưu chính, viễn thông trên địa bàn tỉnh"},
		},
		{
			name: "SỞ GIÁO DỤC VÀ ĐÀO TẠO", parent: "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", code: "000.00.14.H36",
			self: "Sở Giáo dục và Đào tạo", place: "Lâm Đồng", abbr: "SGDĐT", units: []string{"GDPT", "VP"},
			head: "GIÁM ĐỐC", deputy: "PHÓ GIÁM ĐỐC",
			authority: "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH LÂM ĐỒNG",
			basis:     "Quyết định của Ủy ban nhân dân tỉnh Lâm Đồng quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Giáo dục và Đào tạo",
			proposer:  "Chánh Văn phòng Sở", superior: "Ủy ban nhân dân tỉnh Lâm Đồng",
			audience: []string{"Các trường trung học phổ thông trực thuộc", "Ủy ban nhân dân các xã, phường", "Các trung tâm giáo dục thường xuyên"},
		},
		{
			name: "SỞ Y TẾ", parent: "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", code: "000.00.16.H17",
			self: "Sở Y tế", place: "Đà Nẵng", abbr: "SYT", units: []string{"NVY", "VP"},
			head: "GIÁM ĐỐC", deputy: "PHÓ GIÁM ĐỐC",
			authority: "GIÁM ĐỐC SỞ Y TẾ THÀNH PHỐ ĐÀ NẴNG",
			basis:     "Quyết định của Ủy ban nhân dân thành phố Đà Nẵng quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Y tế",
			proposer:  "Trưởng phòng Nghiệp vụ Y", superior: "Ủy ban nhân dân thành phố Đà Nẵng",
			audience: []string{"Các bệnh viện, trung tâm y tế trực thuộc", "Ủy ban nhân dân các xã, phường"},
		},
		{
			name: "BỘ NỘI VỤ", code: "000.00.00.G09",
			self: "Bộ Nội vụ", place: "Hà Nội", abbr: "BNV", units: []string{"VTLTNN", "TCBC"},
			head: "BỘ TRƯỞNG", deputy: "THỨ TRƯỞNG",
			authority: "BỘ TRƯỞNG BỘ NỘI VỤ",
			basis:     "Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025",
			proposer:  "Cục trưởng Cục Văn thư và Lưu trữ nhà nước", superior: "Thủ tướng Chính phủ",
			audience: []string{"Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ", "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"},
		},
		{
			name: "CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC", parent: "BỘ NỘI VỤ", code: "000.00.12.G09",
			self: "Cục Văn thư và Lưu trữ nhà nước", place: "Hà Nội", abbr: "VTLTNN", units: []string{"NVVT", "NVLT"},
			head: "CỤC TRƯỞNG", deputy: "PHÓ CỤC TRƯỞNG",
			authority: "CỤC TRƯỞNG CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC",
			basis:     "Quyết định của Bộ trưởng Bộ Nội vụ quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Cục Văn thư và Lưu trữ nhà nước",
			proposer:  "Trưởng phòng Nghiệp vụ văn thư", superior: "Bộ Nội vụ",
			audience: []string{"Văn phòng các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ", "Sở Nội vụ các tỉnh, thành phố trực thuộc Trung ương"},
		},
		{
			name: "VĂN PHÒNG", parent: "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", code: "000.00.01.H55",
			self: "Văn phòng Ủy ban nhân dân tỉnh", place: "Quảng Ngãi", abbr: "VP", units: []string{"HCTC", "KGVX"},
			head: "CHÁNH VĂN PHÒNG", deputy: "PHÓ CHÁNH VĂN PHÒNG",
			authority: "CHÁNH VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
			basis:     "Quyết định của Ủy ban nhân dân tỉnh Quảng Ngãi quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Văn phòng Ủy ban nhân dân tỉnh",
			proposer:  "Trưởng phòng Hành chính - Tổ chức", superior: "Ủy ban nhân dân tỉnh Quảng Ngãi",
			audience: []string{"Các phòng, đơn vị thuộc Văn phòng", "Trung tâm Phục vụ hành chính công tỉnh"},
		},
		{
			name: "ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM", code: "000.01.26.H26",
			self: "Ủy ban nhân dân phường", place: "Hoàn Kiếm", abbr: "UBND", units: []string{"VP", "KT"},
			head: "CHỦ TỊCH", deputy: "PHÓ CHỦ TỊCH",
			authority: "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM", basis: provincial,
			proposer: "Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường", superior: "Ủy ban nhân dân thành phố Hà Nội",
			audience: []string{"Các tổ dân phố trên địa bàn phường", "Các đơn vị trực thuộc Ủy ban nhân dân phường"},
		},
		{
			name: "SỞ XÂY DỰNG", parent: "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", code: "000.00.09.H10",
			self: "Sở Xây dựng", place: "Cần Thơ", abbr: "SXD", units: []string{"QLXD", "VP"},
			head: "GIÁM ĐỐC", deputy: "PHÓ GIÁM ĐỐC",
			authority: "GIÁM ĐỐC SỞ XÂY DỰNG THÀNH PHỐ CẦN THƠ",
			basis:     "Quyết định của Ủy ban nhân dân thành phố Cần Thơ quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Xây dựng",
			proposer:  "Trưởng phòng Quản lý xây dựng", superior: "Ủy ban nhân dân thành phố Cần Thơ",
			audience: []string{"Các sở, ban, ngành thành phố", "Ủy ban nhân dân các xã, phường", "Các chủ đầu tư dự án trên địa bàn thành phố"},
		},
	}
}

// signerNames are fictitious full names.
func signerNames() []string {
	return []string{
		"Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Minh Tuấn", "Phạm Thu Hà",
		"Hoàng Đức Thắng", "Vũ Thị Hồng Nhung", "Đặng Quốc Khánh", "Đỗ Hữu Nghĩa",
		"Ngô Thị Thanh Huyền", "Dương Văn Lộc", "Phan Ngọc Ánh", "Trịnh Xuân Trường",
		"Lý Thị Mai Phương", "Hồ Sỹ Dũng", "Mai Văn Hiếu", "Tạ Quang Vinh",
		"Lương Thị Diệu Linh", "Quách Minh Đức",
	}
}

// laws are real legal bases, as cited in the body.
func laws() []string {
	return []string{
		"Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư",
		"Luật Giao dịch điện tử ngày 22 tháng 6 năm 2023",
		"Luật Lưu trữ ngày 21 tháng 6 năm 2024",
		"Nghị định số 23/2025/NĐ-CP ngày 21 tháng 02 năm 2025 của Chính phủ quy định về chữ ký điện tử và dịch vụ tin cậy",
		"Luật An toàn thông tin mạng ngày 19 tháng 11 năm 2015",
	}
}

// topic is what a document is about: a verb phrase that reads after
// "V/v", "Kế hoạch" and "về việc", the law it rests on and sentences
// about it.
type topic struct {
	phrase  string
	law     int // index into laws()
	details []string
}

func topics() []topic {
	return []topic{
		{"triển khai chữ ký số trong văn bản điện tử", 3, []string{
			"Văn bản điện tử phát hành phải được người có thẩm quyền ký số và được ký số của cơ quan, tổ chức theo đúng vị trí, hình ảnh quy định tại Phụ lục I Nghị định số 30/2020/NĐ-CP.",
			"Các cơ quan, đơn vị rà soát, đăng ký cấp mới, gia hạn chứng thư chữ ký số chuyên dùng cho lãnh đạo và văn thư cơ quan trước ngày 30 tháng 6.",
		}},
		{"tăng cường gửi, nhận văn bản điện tử qua Trục liên thông văn bản quốc gia", 0, []string{
			"Văn bản gửi, nhận giữa các cơ quan hành chính nhà nước được thực hiện hoàn toàn dưới dạng điện tử, trừ văn bản mật theo quy định của pháp luật.",
			"Văn thư cơ quan kiểm tra tính xác thực của văn bản đến, vào sổ và trình người có thẩm quyền ngay trong ngày làm việc.",
		}},
		{"rà soát, cập nhật mã định danh điện tử của các cơ quan, đơn vị", 0, []string{
			"Các cơ quan, đơn vị kiểm tra mã định danh điện tử đang sử dụng, đối chiếu với danh mục được cấp có thẩm quyền ban hành và báo cáo những trường hợp thay đổi tên gọi, sáp nhập, giải thể.",
		}},
		{"thực hiện chế độ báo cáo định kỳ về công tác văn thư, lưu trữ", 2, []string{
			"Báo cáo thống kê được lập theo đúng biểu mẫu quy định, có chữ ký số của người đứng đầu cơ quan, đơn vị và gửi qua hệ thống quản lý văn bản và điều hành.",
		}},
		{"chỉnh lý tài liệu lưu trữ tồn đọng", 2, []string{
			"Các cơ quan, đơn vị thống kê khối lượng tài liệu tồn đọng, xây dựng phương án chỉnh lý và hoàn thành việc chỉnh lý trước khi giao nộp vào Lưu trữ lịch sử.",
			"Tài liệu hết giá trị phải được thẩm định và tiêu hủy theo đúng trình tự, thủ tục quy định.",
		}},
		{"cấp chứng thư chữ ký số chuyên dùng cho cán bộ, công chức", 3, []string{
			"Hồ sơ đề nghị cấp chứng thư chữ ký số được lập trên môi trường điện tử; cán bộ, công chức nhận thiết bị ký số có trách nhiệm quản lý, bảo mật mã PIN theo quy định.",
		}},
		{"bảo đảm an toàn thông tin mạng trong cơ quan nhà nước", 4, []string{
			"Các cơ quan, đơn vị xác định cấp độ an toàn hệ thống thông tin, triển khai phương án bảo đảm an toàn và tổ chức diễn tập ứng cứu sự cố ít nhất một lần trong năm.",
			"Không cài đặt phần mềm không rõ nguồn gốc trên máy tính dùng để soạn thảo, ký số và gửi văn bản.",
		}},
		{"chuyển đổi số trong quản lý văn bản và hồ sơ công việc", 1, []string{
			"Phấn đấu đến cuối năm, toàn bộ hồ sơ công việc được lập và lưu trữ trên môi trường điện tử, trừ hồ sơ có nội dung thuộc bí mật nhà nước.",
		}},
		{"tổ chức tập huấn nghiệp vụ văn thư cho cán bộ, công chức", 0, []string{
			"Nội dung tập huấn gồm thể thức và kỹ thuật trình bày văn bản, quản lý văn bản đi, văn bản đến, lập hồ sơ và sử dụng chữ ký số trên hệ thống quản lý văn bản.",
		}},
		{"lập hồ sơ và giao nộp hồ sơ, tài liệu vào Lưu trữ cơ quan", 2, []string{
			"Mỗi cán bộ, công chức có trách nhiệm lập hồ sơ về công việc được giao theo Danh mục hồ sơ của cơ quan và giao nộp trong thời hạn một năm kể từ ngày công việc kết thúc.",
		}},
		{"thực hiện dự toán ngân sách nhà nước", 0, []string{
			"Các đơn vị dự toán tổ chức thực hiện nhiệm vụ chi đúng dự toán được giao, tiết kiệm chi thường xuyên và ưu tiên nguồn lực cho các nhiệm vụ chuyển đổi số.",
		}},
		{"phòng, chống thiên tai và tìm kiếm cứu nạn", 0, []string{
			"Các cơ quan, đơn vị kiện toàn ban chỉ huy, xây dựng phương án ứng phó với các tình huống thiên tai và bảo đảm thông tin liên lạc thông suốt trong mọi tình huống.",
		}},
		{"cải cách thủ tục hành chính", 1, []string{
			"Các cơ quan, đơn vị rà soát, đơn giản hóa thủ tục hành chính, tăng tỷ lệ hồ sơ được tiếp nhận và giải quyết trực tuyến toàn trình.",
		}},
		{"tuyển dụng công chức", 0, []string{
			"Việc tuyển dụng phải bảo đảm công khai, minh bạch, khách quan, đúng vị trí việc làm và chỉ tiêu biên chế được giao.",
		}},
		{"kiểm tra công tác văn thư, lưu trữ tại các cơ quan, đơn vị", 2, []string{
			"Đoàn kiểm tra làm việc trực tiếp tại cơ quan, đơn vị; nội dung kiểm tra gồm việc ban hành văn bản quản lý, quản lý văn bản đi, văn bản đến, lập hồ sơ và bảo quản tài liệu.",
		}},
		{"số hóa tài liệu lưu trữ", 2, []string{
			"Tài liệu được số hóa theo thứ tự ưu tiên về giá trị và tần suất khai thác; dữ liệu số hóa phải được kiểm tra chất lượng trước khi đưa vào cơ sở dữ liệu.",
		}},
		{"bồi dưỡng kỹ năng ứng dụng công nghệ thông tin cho cán bộ, công chức", 1, []string{
			"Mỗi cán bộ, công chức phải sử dụng thành thạo hệ thống quản lý văn bản và điều hành, thư điện tử công vụ và chữ ký số trong xử lý công việc.",
		}},
		{"triển khai nền tảng quản lý văn bản và điều hành dùng chung", 1, []string{
			"Hệ thống được kết nối với Trục liên thông văn bản quốc gia, bảo đảm gửi, nhận văn bản điện tử thông suốt giữa các cơ quan, đơn vị.",
		}},
		{"tổ chức các hoạt động kỷ niệm Ngày Lưu trữ Việt Nam", 2, []string{
			"Các hoạt động được tổ chức thiết thực, tiết kiệm, gắn với tuyên truyền về vai trò của tài liệu lưu trữ trong quản lý nhà nước.",
		}},
		{"thực hành tiết kiệm, chống lãng phí", 0, []string{
			"Các cơ quan, đơn vị giảm tối đa việc in ấn, sao chụp văn bản giấy; tăng cường sử dụng văn bản điện tử và tổ chức họp trực tuyến khi phù hợp.",
		}},
		{"đánh giá, xếp loại chất lượng cán bộ, công chức", 0, []string{
			"Việc đánh giá căn cứ vào kết quả thực hiện nhiệm vụ được giao, bảo đảm khách quan, công bằng, đúng thẩm quyền và thời gian quy định.",
		}},
		{"phòng cháy, chữa cháy tại trụ sở cơ quan", 0, []string{
			"Kho lưu trữ và phòng máy chủ phải được trang bị thiết bị báo cháy tự động, bình chữa cháy phù hợp và được kiểm tra định kỳ.",
		}},
		{"cập nhật dữ liệu vào Cơ sở dữ liệu quốc gia về cán bộ, công chức", 1, []string{
			"Thông tin của cán bộ, công chức phải được cập nhật đầy đủ, chính xác và đồng bộ với hồ sơ giấy đang quản lý.",
		}},
		{"quản lý, sử dụng con dấu và thiết bị lưu khóa bí mật", 3, []string{
			"Văn thư cơ quan trực tiếp quản lý con dấu và thiết bị lưu khóa bí mật của cơ quan; chỉ đóng dấu, ký số của cơ quan vào văn bản đã có chữ ký của người có thẩm quyền.",
		}},
	}
}

// tasks are the generic numbered points of a letter or notice.
func tasks() []string {
	return []string{
		"Quán triệt đến cán bộ, công chức, viên chức về yêu cầu %s; xác định đây là nhiệm vụ thường xuyên, gắn với trách nhiệm của người đứng đầu cơ quan, đơn vị.",
		"Xây dựng kế hoạch cụ thể để %s, phân công rõ trách nhiệm của từng bộ phận, cá nhân; bố trí đủ nhân lực, kinh phí và trang thiết bị cần thiết.",
		"Rà soát quy trình nội bộ, cập nhật danh sách cán bộ đầu mối và thông tin liên hệ phục vụ việc %s.",
		"Tăng cường kiểm tra, đôn đốc việc %s; kịp thời biểu dương những tập thể, cá nhân làm tốt và chấn chỉnh những trường hợp chậm trễ.",
		"Bảo đảm an toàn, bảo mật thông tin trong quá trình %s; không sử dụng thư điện tử cá nhân để trao đổi văn bản, tài liệu công việc.",
	}
}

// fillerParagraphs lengthen a body to the number of pages asked for.
func fillerParagraphs() []string {
	return []string{
		"Các cơ quan, đơn vị chủ động bố trí nhân lực, kinh phí và trang thiết bị cần thiết để bảo đảm tiến độ, chất lượng công việc; chịu trách nhiệm về tính chính xác của số liệu, tài liệu cung cấp.",
		"Văn bản điện tử gửi đi phải được người có thẩm quyền ký số và được ký số của cơ quan, tổ chức trước khi phát hành; văn bản đến phải được vào sổ, chuyển xử lý ngay trong ngày làm việc.",
		"Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm trước cấp trên về kết quả thực hiện tại cơ quan, đơn vị mình; phân công cụ thể người theo dõi, tổng hợp và báo cáo.",
		"Hồ sơ, tài liệu hình thành trong quá trình thực hiện phải được lập hồ sơ đầy đủ, sắp xếp khoa học và giao nộp vào Lưu trữ cơ quan theo đúng thời hạn quy định.",
		"Cán bộ, công chức được cấp thiết bị ký số có trách nhiệm bảo quản thiết bị, giữ bí mật mã PIN, không cho người khác sử dụng và báo ngay cho cơ quan quản lý khi thiết bị bị mất hoặc hư hỏng.",
		"Việc trao đổi văn bản giữa các cơ quan, đơn vị được thực hiện qua Trục liên thông văn bản quốc gia; không gửi kèm bản giấy đối với văn bản đã gửi bằng hình thức điện tử, trừ trường hợp pháp luật có quy định khác.",
		"Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành và các nguồn hợp pháp khác; việc quản lý, sử dụng và quyết toán kinh phí thực hiện theo đúng quy định.",
		"Định kỳ sáu tháng và hằng năm, các cơ quan, đơn vị tổ chức sơ kết, tổng kết, đánh giá kết quả thực hiện, rút kinh nghiệm và đề xuất giải pháp cho giai đoạn tiếp theo.",
		"Cổng thông tin điện tử của các cơ quan, đơn vị tăng cường tuyên truyền để cán bộ, công chức và người dân hiểu, đồng thuận và tích cực tham gia.",
		"Trong quá trình thực hiện, các cơ quan, đơn vị chủ động phối hợp, trao đổi thông tin; những vấn đề vượt thẩm quyền phải kịp thời báo cáo cấp có thẩm quyền xem xét, quyết định.",
	}
}

// appendixTasks, appendixLeads and appendixDeadlines fill an appendix table.
func appendixTasks() []string {
	return []string{
		"Ban hành văn bản hướng dẫn triển khai thực hiện",
		"Rà soát, cập nhật danh sách cán bộ đầu mối",
		"Cấp mới, gia hạn chứng thư chữ ký số cho lãnh đạo và văn thư",
		"Tập huấn sử dụng chữ ký số và hệ thống quản lý văn bản",
		"Kiểm tra việc thực hiện tại các cơ quan, đơn vị",
		"Nâng cấp hạ tầng kỹ thuật và đường truyền số liệu chuyên dùng",
		"Số hóa hồ sơ, tài liệu hình thành trong năm",
		"Tuyên truyền, phổ biến đến cán bộ, công chức và người dân",
		"Sơ kết, đánh giá kết quả thực hiện sáu tháng đầu năm",
		"Tổng hợp, báo cáo kết quả thực hiện cả năm",
	}
}

func appendixLeads() []string {
	return []string{
		"Văn phòng", "Sở Nội vụ", "Sở Khoa học và Công nghệ", "Sở Tài chính",
		"Các cơ quan, đơn vị", "Ủy ban nhân dân các xã, phường", "Trung tâm Công nghệ thông tin",
	}
}

func appendixDeadlines(year int) []string {
	y := strconv.Itoa(year)
	return []string{
		"Tháng 01/" + y, "Quý I/" + y, "Quý II/" + y, "Trước ngày 30/6/" + y,
		"Quý III/" + y, "Quý IV/" + y, "Tháng 12/" + y, "Thường xuyên",
	}
}
